// A worker with the metrics extension, scraped every second by a real Prometheus (Debian package)
// during a short replay with malformed messages and a rumour burst that makes the detector spike.
// Then every dashboard panel query, every template variable and every alert measure is evaluated
// through Prometheus's HTTP API and must return data; `promtool check metrics` lints the scrape.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Redis } from "ioredis";
import { startWorker, type Worker } from "../../src/main";
import { metricsExtensionWith } from "../../src/metrics/extension";
import { incidentsExtension } from "../../src/incidents/extension";
import { openIncidents } from "../../src/extensions";
import { normalise } from "../../src/normalise";
import { markerScorer } from "../helpers/pipeline";
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
const promPort = await freePort();
const cfg = isolatedConfig("metrics", (p) => ({
  ...p,
  metrics: { host: "127.0.0.1", port: metricsPort },
  detect: { ...p.detect, tickMs: 500 },
}));
const topics = cfg.pipeline.kafka.topics;
const PROM = `http://127.0.0.1:${promPort}`;
const dir = mkdtempSync(join(tmpdir(), "modstream-prom-"));

const BACKGROUND = 3000;
const BURST = 30;
const BAD = { not_json: 10, schema: 10, empty: 5 };
const REPORTS = 20;

let worker: Worker | undefined;
let prometheus: ChildProcess | undefined;
let redis: Redis;
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

const finite = (s: Sample[]) => s.filter((x) => Number.isFinite(Number(x.value[1])));

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

function startPrometheus(): ChildProcess {
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      rule_files: [ALERTS_FILE],
      scrape_configs: [{ job_name: "modstream", static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
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

/** Successful scrapes of the worker so far. */
async function scrapes(): Promise<number> {
  return Number((await promQuery('sum_over_time(up{job="modstream"}[5m])'))[0]?.value[1] ?? 0);
}

beforeAll(async () => {
  redis = redisClient(cfg);
  // Prometheus first: its first scrape comes a few seconds after start (discovery is throttled).
  prometheus = startPrometheus();
  worker = await startWorker(cfg, log, {
    normalise,
    scorer: markerScorer,
    extensions: [metricsExtensionWith(openIncidents), incidentsExtension],
  });
  worker.events.on("spike", () => spikes++);
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
        text: `RUMOUR the dam upstream has burst, evacuate now ${i}`,
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
  // Two more scrapes of the finished state, so rates over the last seconds have two points.
  const seen = await scrapes();
  await eventually("two more scrapes", scrapes, (n) => n >= seen + 2, 10_000);
}, 80_000);

afterAll(async () => {
  if (prometheus) await stopPrometheus(prometheus);
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

    const value = (series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return Number(line?.slice(series.length + 1));
    };
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

    // Bounded labels: no post, author or hashtag ever becomes a label value.
    const series = text.split("\n").filter((l) => l.startsWith("modstream_"));
    expect(series.length).toBeLessThan(600);
    for (const l of series) expect(l, "data in a label").not.toMatch(/"(bg|burst|a-|u)\d+"|"dam"|"news"/);
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
        const found = [...new Set((await promQuery(m?.[1] ?? "")).map((s) => s.metric[m?.[2] ?? ""] ?? ""))];
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
    expect(checked).toBeGreaterThan(30);
  });

  it("every alert rule's measures return data, the rules evaluate cleanly and the spike alert fires", async () => {
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
      (names) => names.includes("ModstreamSpikeDetected"),
      10_000,
    );
  });

  it("closing the worker closes its /metrics endpoint", async () => {
    await worker?.close();
    worker = undefined;
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });
});
