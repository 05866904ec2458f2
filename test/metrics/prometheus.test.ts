// A worker with the metrics extension and a review API server, both scraped every second by a real
// Prometheus (Debian package) during a short replay with malformed messages and a rumour burst that
// makes the detector spike and queues posts for review, then moderation through the API: claims,
// decisions of every kind, an escalation, a release, a reassignment, expired leases and an item
// past its SLA. Then every dashboard panel query, every template variable and every alert measure
// is evaluated through Prometheus's HTTP API and must return data; `promtool check metrics` lints
// both scrapes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { RedisClient } from "../../src/redis/client";
import { apiConfig, type Config } from "../../src/config";
import type { DecisionKind } from "../../src/domain";
import { startApi, type RunningApi } from "../../src/http/run";
import { startWorker, type Worker } from "../../src/worker/main";
import { metricsExtensionWith } from "../../src/worker/metrics";
import { incidentsExtension } from "../../src/worker/incidents";
import { openIncidents } from "../../src/worker/extensions";
import { reviewExtension } from "../../src/worker/review";
import { normalise } from "../../src/normalise";
import { markerScorer } from "../helpers/pipeline";
import { mulberry32 } from "../../src/random";
import {
  cleanRedis,
  deleteTopics,
  eventually,
  isolatedConfig,
  kafkaClient,
  log,
  post,
  redisClient,
  streamTotal,
} from "../helpers/env";
import {
  ALERTS_FILE,
  BUILTINS,
  allPanels,
  alertMeasures,
  loadAlertRules,
  loadDashboards,
  substitute,
  variableQuery,
} from "./queries";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const metricsPort = await freePort();
const apiMetricsPort = await freePort();
const promPort = await freePort();
const LEASE_SECONDS = 4;
const cfg = isolatedConfig("metrics", (p) => ({
  ...p,
  metrics: { host: "127.0.0.1", port: metricsPort },
  detect: { ...p.detect, tickMs: 500 },
  // The burst's posts (0.95 from the marker scorer) are queued for review; leases are short, so
  // the claims left alone expire during the test.
  api: { ...apiConfig(p), postMinScore: 0.9, leaseSeconds: LEASE_SECONDS },
}));
// The API server reads the same pipeline file, with its own metrics port (as on one host).
const apiCfg: Config = { ...cfg, pipeline: { ...cfg.pipeline, metrics: { host: "127.0.0.1", port: apiMetricsPort } } };
const topics = cfg.pipeline.kafka.topics;
const PROM = `http://127.0.0.1:${promPort}`;
const dir = mkdtempSync(join(tmpdir(), "modstream-prom-"));

const BACKGROUND = 3000;
const BURST = 30;
const BAD = { not_json: 10, schema: 10, empty: 5 };
const REPORTS = 20;
/**
 * Words of the i-th burst post: the moderation below claims about ten distinct rumour items, so
 * the burst's texts must not be near-duplicates (copies are grouped into one item).
 */
const VOCABULARY = (
  "dam river flood bridge road power water school market station harbour tower tunnel factory " +
  "hospital airport village county mayor police army storm fire smoke chemical leak spill gas " +
  "bank money price fuel bread milk train ferry bus lorry signal phone radio cable"
).split(" ");
const burstWords = (i: number) => {
  const next = mulberry32(i + 1);
  return Array.from({ length: 10 }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]).join(" ");
};

let worker: Worker | undefined;
let api: RunningApi | undefined;
let prometheus: ChildProcess | undefined;
let redis: RedisClient;
let spikes = 0;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function promQuery(expr: string): Promise<Sample[]> {
  const res = await fetch(`${PROM}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] };
  };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  if (body.data?.resultType !== "vector") throw new Error(`${expr}: ${body.data?.resultType} result`);
  return body.data.result;
}

/**
 * Grafana's label_values(metric, label): the label's values on the metric's series over the last
 * hour (the labels API), so a series that went stale after a missed scrape on a loaded machine
 * still counts, as it does on the dashboard.
 */
async function labelValues(metric: string, label: string): Promise<string[]> {
  const start = String(Math.floor(Date.now() / 1000) - 3600);
  const res = await fetch(
    `${PROM}/api/v1/label/${label}/values?${new URLSearchParams({ "match[]": metric, start }).toString()}`,
  );
  const body = (await res.json()) as { status: string; error?: string; data?: string[] };
  if (body.status !== "success") throw new Error(`label_values(${metric}, ${label}): ${body.error}`);
  return body.data ?? [];
}

const finite = (s: Sample[]) => s.filter((x) => Number.isFinite(Number(x.value[1])));

async function scrape(port = metricsPort): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series in a /metrics text (NaN when absent). */
function valueIn(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1));
}

function startPrometheus(): ChildProcess {
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      rule_files: [ALERTS_FILE],
      scrape_configs: [
        { job_name: "modstream", static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] },
        { job_name: "modstream-api", static_configs: [{ targets: [`127.0.0.1:${apiMetricsPort}`] }] },
      ],
    }),
  );
  const child = spawn(
    "/usr/bin/prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on("exit", (code) => {
    if (code) log.error({ code, stderr }, "prometheus exited");
  });
  return child;
}

async function stopPrometheus(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Successful scrapes of the worker (or the API server) so far. */
async function scrapes(job = "modstream"): Promise<number> {
  return Number((await promQuery(`sum_over_time(up{job="${job}"}[5m])`))[0]?.value[1] ?? 0);
}

/** A call to the review API; the body is the parsed JSON (null for 204). */
async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${api?.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

interface ClaimBody {
  item: { id: string; kind: "incident" | "post" };
  lockToken: string;
}

/** What the moderators did through the API (the expected figures). */
const did = { claims: 0, final: 0, releases: 0, reassigns: 0, expiries: 0, decisions: new Map<string, number>() };
let tokens: { moderator: string; lead: string };

/** Requests on a few routes before the moderation, so their latency series exist when it starts. */
async function touchRoutes(): Promise<void> {
  expect((await call("GET", "/healthz")).status).toBe(200);
  expect((await call("GET", "/api/queues", tokens.moderator)).status).toBe(200);
  expect((await call("GET", "/api/queues")).status).toBe(401);
  expect((await call("GET", "/nowhere")).status).toBe(404);
}

async function claim(token: string): Promise<ClaimBody> {
  const r = await call("POST", "/api/queues/rumour/claim", token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body).not.toBeNull();
  did.claims++;
  return r.body as ClaimBody;
}

const ACTS_ON_POST_OR_AUTHOR = new Set<DecisionKind>(["remove_post", "label_rumour", "warn_author", "suspend_author"]);

async function decide(token: string, c: ClaimBody, wanted: DecisionKind): Promise<void> {
  // An incident item (the spike's) has no post of its own to act on.
  const kind = c.item.kind === "incident" && ACTS_ON_POST_OR_AUTHOR.has(wanted) ? "dismiss" : wanted;
  const r = await call("POST", `/api/items/${encodeURIComponent(c.item.id)}/decision`, token, {
    lockToken: c.lockToken,
    decisionId: `d-${c.item.id}-${kind}`,
    kind,
    reason: "metrics test",
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  did.decisions.set(kind, (did.decisions.get(kind) ?? 0) + 1);
  if (kind !== "escalate") did.final++;
}

/** Moderation through the real API: every decision kind, an escalation, a release, a reassignment, two leases left to expire. */
async function moderate(): Promise<void> {
  const { moderator, lead } = tokens;
  for (const kind of ["remove_post", "label_rumour", "warn_author", "suspend_author", "dismiss", "escalate"] as const)
    await decide(moderator, await claim(moderator), kind);
  // A lead takes escalated items first.
  await decide(lead, await claim(lead), "dismiss");
  const released = await claim(moderator);
  const r = await call("POST", `/api/items/${encodeURIComponent(released.item.id)}/release`, moderator, {
    lockToken: released.lockToken,
  });
  expect(r.status).toBe(204);
  did.releases++;
  const page = await call("GET", "/api/queues/rumour/items?limit=1", moderator);
  const waiting = (page.body as { items: { id: string }[] }).items[0]?.id ?? "";
  const handed = await call("POST", `/api/items/${encodeURIComponent(waiting)}/reassign`, lead, { to: "mod-1" });
  expect(handed.status, JSON.stringify(handed.body)).toBe(200);
  did.reassigns++;
  await claim(moderator);
  // Neither the reassigned item nor the last claim is decided: both leases run out.
  did.expiries = 2;
  await touchRoutes();
}

beforeAll(async () => {
  redis = redisClient(cfg);
  // Prometheus first: its first scrape comes a few seconds after start (discovery is throttled).
  prometheus = startPrometheus();
  worker = await startWorker(cfg, log, {
    normalise,
    scorer: markerScorer,
    extensions: [metricsExtensionWith(openIncidents), incidentsExtension, reviewExtension],
  });
  worker.events.on("spike", () => spikes++);
  api = await startApi(apiCfg, log, { host: "127.0.0.1", port: 0 });
  tokens = {
    moderator: (await api.deps.auth.createToken("moderator", "mod-1")).token,
    lead: (await api.deps.auth.createToken("lead", "lead-1")).token,
  };
  await eventually(
    "prometheus ready",
    () =>
      fetch(`${PROM}/-/ready`).then(
        (r) => r.status,
        () => 0,
      ),
    (s) => s === 200,
    20_000,
  );
  // Scraped before the replay, so every rate() window starts before the traffic does.
  await eventually("first scrape", scrapes, (n) => n >= 2, 20_000);
  await eventually(
    "first API scrape",
    () => scrapes("modstream-api"),
    (n) => n >= 2,
    20_000,
  );
  await touchRoutes();

  const now = Date.now();
  const tags = ["news", "sport", "weather", "music"];
  const good = Array.from({ length: BACKGROUND }, (_, i) => ({
    key: `bg${i}`,
    // Spread over the detector's baseline (10 min), so the burst stands out against it.
    value: JSON.stringify(
      post(`bg${i}`, { createdAt: new Date(now - ((i * 200) % 600_000)).toISOString(), hashtags: [tags[i % 4]] }),
    ),
  }));
  const burst = Array.from({ length: BURST }, (_, i) => ({
    key: `burst${i}`,
    value: JSON.stringify(
      post(`burst${i}`, {
        createdAt: new Date(now - 1000).toISOString(),
        text: `RUMOUR ${burstWords(i)}`,
        hashtags: ["dam"],
      }),
    ),
  }));
  const bad = [
    ...Array.from({ length: BAD.not_json }, (_, i) => ({ key: `nj${i}`, value: "this is not json" })),
    ...Array.from({ length: BAD.schema }, (_, i) => ({ key: `sc${i}`, value: JSON.stringify({ id: `s${i}` }) })),
    ...Array.from({ length: BAD.empty }, (_, i) => ({ key: `em${i}`, value: null })),
  ];
  const reports = Array.from({ length: REPORTS }, (_, i) => ({
    value: JSON.stringify({
      id: `r${i}`,
      reporterId: `u${i}`,
      postId: "bg1",
      reason: "rumour",
      createdAt: new Date(now).toISOString(),
    }),
  }));
  const producer = kafkaClient(cfg).producer();
  await producer.connect();
  await producer.send({ topic: topics.posts, messages: [...good, ...bad] });
  await producer.send({ topic: topics.posts, messages: burst });
  await producer.send({ topic: topics.reports, messages: reports });
  await producer.disconnect();

  await eventually(
    "posts counted",
    () => streamTotal(redis, cfg),
    (n) => n === BACKGROUND + BURST,
    30_000,
  );
  await eventually(
    "spike detected",
    async () => spikes,
    (n) => n > 0,
    20_000,
  );
  // Prometheus has scraped the finished replay, the spike, and the lag after the last commit.
  const consumed = BACKGROUND + BURST + BAD.not_json + BAD.schema + BAD.empty;
  await eventually(
    "prometheus scraped the replay",
    async () => ({
      posts: Number((await promQuery('sum(modstream_messages_consumed_total{input="posts"})'))[0]?.value[1] ?? 0),
      spikes: Number((await promQuery("sum(modstream_spikes_detected_total)"))[0]?.value[1] ?? 0),
      lag: Number((await promQuery('sum(modstream_consumer_lag_messages{input="posts"})'))[0]?.value[1] ?? -1),
    }),
    (s) => s.posts === consumed && s.spikes > 0 && s.lag === 0,
    30_000,
  );

  // The review side: the worker queued the burst's posts (near-duplicate copies grouped into one
  // item each, so the posts behind the waiting items are counted); one more item is two days late.
  await eventually(
    "burst queued for review",
    async () =>
      (await api!.deps.review.list("rumour", "waiting", 0, 200)).items.reduce(
        (n, i) => n + (i.kind === "post" ? (i.group?.copies ?? 1) : 0),
        0,
      ),
    (n) => n >= BURST,
    20_000,
  );
  await api.deps.review.enqueuePost({
    post: {
      id: "late1",
      authorId: "late-author",
      followers: 1,
      text: "reported two days ago",
      createdAt: new Date(now - 2 * 86_400_000).toISOString(),
      scores: { rumour: 0, abuse: 0.9, attack: 0, data_leak: 0 },
      top: [],
    },
    queue: "abuse",
    reason: "reported by users",
    at: now - 2 * 86_400_000,
  });
  await moderate();
  const decisions = [...did.decisions.values()].reduce((a, b) => a + b, 0);
  await eventually(
    "prometheus scraped the moderation and the expired leases",
    async () => ({
      decisions: Number((await promQuery("sum(modstream_review_decisions_total)"))[0]?.value[1] ?? 0),
      decided: Number(
        (await promQuery("sum(max by (queue) (modstream_review_time_to_decide_seconds_count))"))[0]?.value[1] ?? 0,
      ),
      expired: Number(
        (await promQuery("sum(max by (queue) (modstream_review_leases_expired_total))"))[0]?.value[1] ?? 0,
      ),
    }),
    (s) => s.decisions === decisions && s.decided === did.final && s.expired === did.expiries,
    (LEASE_SECONDS + 15) * 1000,
  );

  // Two more scrapes of the finished state, so rates over the last seconds have two points.
  const seen = await scrapes();
  const apiSeen = await scrapes("modstream-api");
  await eventually("two more scrapes", scrapes, (n) => n >= seen + 2, 10_000);
  await eventually(
    "two more API scrapes",
    () => scrapes("modstream-api"),
    (n) => n >= apiSeen + 2,
    10_000,
  );
}, 120_000);

afterAll(async () => {
  if (prometheus) await stopPrometheus(prometheus);
  await api?.close();
  await worker?.close();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
  rmSync(dir, { recursive: true, force: true });
});

describe("metrics scraped by a real Prometheus", () => {
  it("/metrics passes promtool check metrics and counts what was published", async () => {
    const text = await scrape();
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);

    const value = (series: string) => valueIn(text, series);
    expect(value('modstream_messages_consumed_total{input="posts"}')).toBe(
      BACKGROUND + BURST + BAD.not_json + BAD.schema + BAD.empty,
    );
    expect(value('modstream_messages_valid_total{input="posts"}')).toBe(BACKGROUND + BURST);
    expect(value('modstream_messages_consumed_total{input="reports"}')).toBe(REPORTS);
    for (const [reason, n] of Object.entries(BAD))
      expect(value(`modstream_messages_dead_lettered_total{input="posts",reason="${reason}"}`), reason).toBe(n);
    expect(value("modstream_posts_scored_total")).toBe(BACKGROUND + BURST);
    expect(value('modstream_posts_flagged_total{category="rumour"}')).toBe(BURST);
    expect(value('modstream_posts_flagged_total{category="abuse"}')).toBe(0);
    expect(value('modstream_post_score_count{category="rumour"}')).toBe(BACKGROUND + BURST);
    expect(value('modstream_spikes_detected_total{type="rumour",category="rumour"}')).toBe(spikes);
    expect(value("process_cpu_seconds_total")).toBeGreaterThan(0);
    // The worker queued the burst (and the spike's incident) for review; the API did the rest.
    expect(value('modstream_review_events_total{event="enqueue",queue="rumour"}')).toBeGreaterThanOrEqual(BURST);
    expect(value('modstream_review_decisions_total{queue="rumour",decision="dismiss"}')).toBe(0);
    expect(text).not.toContain("modstream_http_request_duration_seconds");

    // Bounded labels: no post, author or hashtag ever becomes a label value (about 710 series
    // with the appeals queue and the suppressed-incident counter, all exported at 0 from the start).
    const series = text.split("\n").filter((l) => l.startsWith("modstream_"));
    expect(series.length).toBeLessThan(800);
    for (const l of series) expect(l, "data in a label").not.toMatch(/"(bg|burst|a-|u)\d+"|"dam"|"news"/);
  });

  it("the API server's /metrics passes promtool check metrics and counts the moderation done through it", async () => {
    const text = await scrape(apiMetricsPort);
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const value = (series: string) => valueIn(text, series);

    expect(value('modstream_review_events_total{event="claim",queue="rumour"}')).toBe(did.claims);
    expect(value('modstream_review_events_total{event="release",queue="rumour"}')).toBe(did.releases);
    expect(value('modstream_review_events_total{event="reassign",queue="rumour"}')).toBe(did.reassigns);
    expect(value('modstream_review_events_total{event="enqueue",queue="abuse"}')).toBe(1);
    expect(did.decisions.size).toBeGreaterThanOrEqual(3);
    for (const [kind, n] of did.decisions)
      expect(value(`modstream_review_decisions_total{queue="rumour",decision="${kind}"}`), kind).toBe(n);
    // From the audit log: every claim, final decisions only (the escalation is not one), both expiries.
    expect(value('modstream_review_time_to_claim_seconds_count{queue="rumour"}')).toBe(did.claims);
    expect(value('modstream_review_time_to_decide_seconds_count{queue="rumour"}')).toBe(did.final);
    expect(value('modstream_review_leases_expired_total{queue="rumour"}')).toBe(did.expiries);
    // Read from the queues on scrape: the late item waits, past its grade III deadline, two days old.
    expect(value('modstream_review_queue_items{queue="abuse",state="waiting"}')).toBe(1);
    expect(value('modstream_review_sla_breached_items{queue="abuse",grade="III"}')).toBe(1);
    expect(value('modstream_review_sla_breached_items{queue="rumour",grade="III"}')).toBe(0);
    expect(value('modstream_review_oldest_item_age_seconds{queue="abuse"}')).toBeGreaterThan(2 * 86_400 - 600);
    expect(value('modstream_review_queue_items{queue="rumour",state="waiting"}')).toBeGreaterThan(0);
    expect(value("modstream_review_active_moderators")).toBe(0);
    expect(
      value(
        'modstream_http_request_duration_seconds_count{method="POST",route="/api/queues/:queue/claim",status_class="2xx"}',
      ),
    ).toBe(did.claims);
    expect(
      value('modstream_http_request_duration_seconds_count{method="GET",route="unmatched",status_class="4xx"}'),
    ).toBe(2);

    // The API server exports no worker series, and no item, post, moderator or URL as a label.
    expect(text).not.toContain("modstream_messages_consumed_total");
    const series = text.split("\n").filter((l) => l.startsWith("modstream_"));
    expect(series.length).toBeLessThan(800);
    for (const l of series) expect(l, "data in a label").not.toMatch(/burst|late1|mod-1|lead-1|nowhere|inc:/);
  });

  it("every dashboard variable and panel query returns data", async () => {
    let checked = 0;
    for (const { file, dashboard } of loadDashboards()) {
      // Resolve the variables as Grafana would with "All" selected: every value the query finds.
      const values: Record<string, string> = { ...BUILTINS };
      for (const v of dashboard.templating.list) {
        if (v.type === "datasource") continue;
        const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(variableQuery(v));
        expect(m, `${file} $${v.name}: ${variableQuery(v)}`).not.toBeNull();
        const found = await labelValues(m?.[1] ?? "", m?.[2] ?? "");
        expect(found.filter(Boolean).length, `${file} $${v.name} has values`).toBeGreaterThan(0);
        // Regex-escaped as Grafana does, then escaped again for the PromQL string literal.
        values[v.name] = found.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&")).join("|");
      }
      for (const p of allPanels(dashboard))
        for (const t of p.targets ?? []) {
          const expr = substitute(t.expr, values);
          const got = await promQuery(expr);
          expect(finite(got).length, `${file} "${p.title}" ${t.refId}: ${expr}`).toBeGreaterThan(0);
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(70);
  });

  it("every alert rule's measures return data, the rules evaluate cleanly and the spike and SLA alerts fire", async () => {
    for (const rule of loadAlertRules())
      for (const measure of alertMeasures(rule.expr)) {
        const got = await promQuery(measure);
        expect(finite(got).length, `${rule.alert}: ${measure}`).toBeGreaterThan(0);
      }
    const res = (await (await fetch(`${PROM}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = res.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(
      loadAlertRules()
        .map((r) => r.alert)
        .sort(),
    );
    for (const r of loaded) expect(r.health, `${r.name}: ${r.lastError ?? ""}`).toBe("ok");
    await eventually(
      "spike alert firing",
      async () => {
        const a = (await (await fetch(`${PROM}/api/v1/alerts`)).json()) as {
          data: { alerts: { labels: Record<string, string>; state: string }[] };
        };
        return a.data.alerts.filter((x) => x.state === "firing").map((x) => x.labels.alertname);
      },
      (names) => names.includes("ModstreamSpikeDetected") && names.includes("ModstreamReviewSlaBreached"),
      10_000,
    );
  });

  it("closing the worker and the API server closes their /metrics endpoints", async () => {
    await worker?.close();
    worker = undefined;
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    await api?.close();
    api = undefined;
    await expect(fetch(`http://127.0.0.1:${apiMetricsPort}/metrics`)).rejects.toThrow();
  });
});
