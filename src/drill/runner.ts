// Runs drills through the real path: background traffic and scenario bursts are published to
// Kafka, a worker consumes, scores and counts them in Redis, the detector finds spikes. Each
// spike is matched to the scenario whose posts carry its key; the report says, per scenario,
// whether the expected incident type was detected and how long after the burst began.
import { randomBytes } from "node:crypto";
import type { Message } from "kafkajs";
import { Partitioners } from "kafkajs";
import { connectRedis, unlinkMatching, type RedisClient } from "../redis/client";
import { loadConfig, type Config } from "../config";
import { type IncidentType, type Post, type Report, type Spike, ROMAN } from "../domain";
import type { Logger } from "../log";
import { startWorker } from "../worker/main";
import type { Scorer } from "../score/scorer";
import type { Corpus } from "../replay/corpus";
import { Synth } from "../replay/synth";
import { createKafka } from "../source/kafka";
import { Keys, keyValue } from "../keys";
import { keysOf } from "../windows/keyset";
import { WindowReader } from "../windows/reader";
import { SCENARIOS, type Scenario } from "./scenarios";
import { Events } from "../events";
import { IncidentService } from "../incidents/service";

export interface DrillIncident {
  id: string;
  type: IncidentType;
  /** Grade as the plan writes it (I..IV). */
  grade: string;
  state: string;
  /** What a moderator reads (never a band hash). */
  title: string;
  /** Grade changes on its timeline during the scenario and the observation after it. */
  regrades: number;
}

export interface DrillResult {
  scenario: string;
  description: string;
  expect: IncidentType | null;
  /** The readable keys the scenario is built around: its incident's title contains one. */
  keys: string[];
  posts: number;
  reports: number;
  detected: boolean;
  pass: boolean;
  found: { type: IncidentType; kind: string; key: string; evidence: number } | null;
  /** From the first post of the burst (event time) to the detection (stream time). */
  timeToDetectMs: number | null;
  /** Spikes on this scenario's keys of a type other than the expected one. */
  unexpected: { type: IncidentType; kind: string; key: string }[];
  /** Incidents opened on this scenario's keys (by the worker's incidents extension). */
  incidents: DrillIncident[];
  /** The checks behind `pass`, each with what failed (empty when it passed). */
  failures: string[];
}

export interface DrillReport {
  results: DrillResult[];
  backgroundPosts: number;
  backgroundSpikes: { type: IncidentType; kind: string; key: string }[];
  /** Incidents opened on background traffic (matching no scenario). */
  backgroundIncidents: DrillIncident[];
  pass: boolean;
  seconds: number;
}

export interface DrillOptions {
  base: Config;
  log: Logger;
  say: (line: string) => void;
  normalise: (text: string) => string;
  scorer: Scorer | undefined;
  backgroundRate: number;
  warmupMs: number;
  /** Longest wait for a detection after a burst starts. */
  timeoutMs: number;
  seed: number;
  /** Real harmless texts for the background (composed ones when absent). */
  corpus?: Corpus;
  /** How long to keep watching after the last burst (grade changes are counted over it); default 0. */
  observeMs?: number;
}

/**
 * A config of the base pipeline (or the one `patch` makes of it) on its own topics, consumer
 * group and key prefix, so the drill or backtest using it never touches live data.
 */
export function sandboxConfig(
  base: Config,
  name: string,
  patch: (p: Config["pipeline"]) => Config["pipeline"] = (p) => p,
): Config {
  const id = `${name}-${randomBytes(3).toString("hex")}`;
  return loadConfig(process.env, {
    pipelineFile: base.pipelineFile,
    patch: (p) =>
      patch({
        ...p,
        kafka: {
          ...p.kafka,
          groupId: id,
          topics: Object.fromEntries(
            Object.entries(p.kafka.topics).map(([k, t]) => [k, `${id}.${t}`]),
          ) as typeof p.kafka.topics,
        },
        redis: { ...p.redis, prefix: id },
        // The sandbox's worker runs beside the user's own: no metrics port, its own statements topic.
        metrics: p.metrics ? { ...p.metrics, port: 0 } : undefined,
        incidents: p.incidents ? { ...p.incidents, statementsTopic: `${id}.statements` } : undefined,
      }),
  });
}

const msg = (p: Post | Report): Message => ({ key: p.id, value: JSON.stringify(p) });

interface Planned {
  s: Scenario;
  posts: Post[];
  reports: Report[];
  /** Event time of the burst's first post. */
  eventStart: number;
  keys: string[];
}

export async function runDrills(names: readonly string[], o: DrillOptions): Promise<DrillReport> {
  const t0 = Date.now();
  const cfg = sandboxConfig(o.base, "drill");
  const scenarios = SCENARIOS.filter((s) => names.includes(s.name));
  const worker = await startWorker(cfg, o.log, { normalise: o.normalise, scorer: o.scorer });
  const kafka = createKafka(cfg, o.log);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const redis = connectRedis(cfg);
  const reader = new WindowReader(redis, new Keys(cfg.pipeline.redis.prefix));
  const service = cfg.pipeline.incidents
    ? new IncidentService({
        redis,
        keys: new Keys(cfg.pipeline.redis.prefix),
        pipeline: cfg.pipeline,
        events: new Events(),
      })
    : undefined;
  try {
    const burstStart = Date.now() + o.warmupMs;
    const planned: Planned[] = scenarios.map((s, i) => {
      const late = (s.lateSeconds ?? 0) * 1000;
      const seed = o.seed + i;
      return {
        s,
        posts: s.posts(burstStart - late, seed),
        reports: s.reports?.(burstStart, seed) ?? [],
        eventStart: burstStart - late,
        keys: s.keys?.(seed) ?? [],
      };
    });
    const signatures = planned.map(({ posts }) => signature(posts, o.normalise));
    // Each message is sent when its time comes: a late scenario's posts lateSeconds after they were written.
    const queue = planned
      .flatMap(({ s, posts, reports }) => [
        ...posts.map((p) => ({ at: Date.parse(p.createdAt) + (s.lateSeconds ?? 0) * 1000, topic: "posts", m: msg(p) })),
        ...reports.map((r) => ({ at: Date.parse(r.createdAt), topic: "reports", m: msg(r) })),
      ])
      .sort((a, b) => a.at - b.at);
    const lastBurstMs = burstStart + Math.max(...scenarios.map((s) => s.seconds)) * 1000;
    const synth = new Synth({
      seed: o.seed,
      authors: 20_000,
      zhShare: 0.5,
      startMs: Date.now(),
      ratePerSec: o.backgroundRate,
      corpus: o.corpus,
    });

    // A late scenario arrives as a backlog does: the whole stream of its time, background included,
    // lateSeconds after it was written (from 10 s before its burst to 5 s after).
    const lateMs = Math.max(0, ...scenarios.map((s) => (s.lateSeconds ?? 0) * 1000));
    const backlog = lateMs
      ? new Synth({
          seed: o.seed + 1000,
          authors: 20_000,
          zhShare: 0.5,
          startMs: burstStart - 10_000,
          ratePerSec: o.backgroundRate,
          corpus: o.corpus,
          idPrefix: "b",
        })
      : undefined;
    const backlogFrom = burstStart - 10_000;
    const backlogTo = lastBurstMs + 5000;
    let backlogSent = 0;
    const detections = new Map<number, { found: NonNullable<DrillResult["found"]>; at: number }>();
    const unexpected = new Map<number, Spike[]>();
    const backgroundSpikes: Spike[] = [];
    let lastSpikeId = "0";
    let background = 0;
    let lastIncidentCheck = 0;
    o.say(`drill: ${scenarios.map((s) => s.name).join(", ")}; bursts start in ${o.warmupMs / 1000}s`);

    const harmful = planned.map((_, i) => i).filter((i) => planned[i]?.s.expect !== undefined);
    const reported = planned.map((_, i) => i).filter((i) => (planned[i]?.reports.length ?? 0) > 0);
    const detectedAll = () => Date.now() > lastBurstMs + 5000 && harmful.every((i) => detections.has(i));
    let observeUntil: number | undefined;
    const topics = cfg.pipeline.kafka.topics;
    while (Date.now() < (observeUntil ?? burstStart + o.timeoutMs)) {
      const tick = Date.now();
      if (observeUntil === undefined && detectedAll()) observeUntil = tick + (o.observeMs ?? 0);
      const due: Record<string, Message[]> = { posts: [], reports: [] };
      const owed = Math.floor(((tick - t0) / 1000) * o.backgroundRate) - background;
      for (let i = 0; i < owed; i++) due.posts?.push(msg({ ...synth.post(), createdAt: new Date(tick).toISOString() }));
      background += Math.max(0, owed);
      if (backlog && tick >= backlogFrom && tick <= backlogTo) {
        const owedLate = Math.floor(((tick - backlogFrom) / 1000) * o.backgroundRate) - backlogSent;
        for (let i = 0; i < owedLate; i++)
          due.posts?.push(msg({ ...backlog.post(), createdAt: new Date(tick - lateMs).toISOString() }));
        backlogSent += Math.max(0, owedLate);
      }
      while (queue.length && (queue[0]?.at ?? Infinity) <= tick) {
        const q = queue.shift()!;
        due[q.topic]?.push(q.m);
      }
      for (const [t, messages] of Object.entries(due))
        if (messages.length) await producer.send({ topic: t === "posts" ? topics.posts : topics.reports, messages });

      for (const { id, spike } of await reader.readSpikes(lastSpikeId)) {
        lastSpikeId = id;
        const i = signatures.findIndex((sig) => sig.has(`${spike.kind}|${spike.key}`));
        const p = planned[i];
        if (!p) backgroundSpikes.push(spike);
        else if (p.s.expect === spike.type && !detections.has(i)) {
          detections.set(i, { found: { ...brief(spike), evidence: spike.evidence }, at: spike.detectedAt });
          o.say(
            `drill: ${p.s.name} detected as ${spike.type} on ${spike.kind} after ${((spike.detectedAt - p.eventStart) / 1000).toFixed(1)}s`,
          );
        } else if (p.s.expect !== spike.type) unexpected.set(i, [...(unexpected.get(i) ?? []), spike]);
      }
      // Report floods open incidents without a spike: they are detected when their incident opens.
      if (service && reported.some((i) => !detections.has(i)) && tick - lastIncidentCheck > 1000) {
        lastIncidentCheck = tick;
        const incs = await service.list({ limit: 500 });
        for (const i of reported) {
          const p = planned[i];
          const inc = incs.find(
            (x) =>
              x.type === p?.s.expect &&
              [`{${x.kind}:${x.key}}`, ...x.aliases].some((t) => signatures[i]?.has(tagToSignature(t))),
          );
          if (!p || !inc || detections.has(i)) continue;
          detections.set(i, { found: { type: inc.type, kind: inc.kind, key: inc.key, evidence: 0 }, at: inc.openedAt });
          o.say(
            `drill: ${p.s.name} opened ${inc.type} incident after ${((inc.openedAt - p.eventStart) / 1000).toFixed(1)}s`,
          );
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 250 - (Date.now() - tick))));
    }

    // Incidents open from spikes on the next incidents tick: wait for them (at most 5 s), then collect.
    const waitUntil = Date.now() + 5000;
    let incidents = await openedIncidents(service);
    const covered = () =>
      [...detections.keys()].every((i) =>
        incidents.some((inc) => inc.type === planned[i]?.s.expect && matches(inc, signatures[i])),
      );
    while (!covered() && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 250));
      incidents = await openedIncidents(service);
    }
    const matched = new Set<string>();
    const results: DrillResult[] = planned.map((p, i) => {
      const mine = incidents.filter((inc) => matches(inc, signatures[i]));
      for (const inc of mine) matched.add(inc.id);
      const d = detections.get(i);
      return result(p, d, unexpected.get(i) ?? [], mine.map(strip));
    });
    return {
      results,
      backgroundPosts: background + backlogSent,
      backgroundSpikes: backgroundSpikes.map(brief),
      backgroundIncidents: incidents.filter((inc) => !matched.has(inc.id)).map(strip),
      pass: results.every((r) => r.pass) && backgroundSpikes.length === 0,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    await producer.disconnect();
    await worker.close();
    await cleanUp(cfg, redis, kafka);
    redis.disconnect();
  }
}

type Collected = DrillIncident & { tag: string; aliases: string[] };

const matches = (inc: Collected, sig: Set<string> | undefined) =>
  [inc.tag, ...inc.aliases].some((t) => sig?.has(tagToSignature(t)));

const strip = ({ tag: _t, aliases: _a, ...inc }: Collected): DrillIncident => inc;

const brief = (s: Spike) => ({ type: s.type, kind: s.kind, key: s.key });

/** "{kind:value}" → "kind|value", the form of the scenario signatures. */
function tagToSignature(tag: string): string {
  const inner = tag.slice(1, -1);
  const i = inner.indexOf(":");
  return `${inner.slice(0, i)}|${inner.slice(i + 1)}`;
}

async function openedIncidents(service: IncidentService | undefined): Promise<Collected[]> {
  if (!service) return [];
  const list = await service.list({ limit: 500 });
  return Promise.all(
    list.map(async (inc) => ({
      id: inc.id,
      type: inc.type,
      grade: ROMAN[inc.grade] ?? String(inc.grade),
      state: inc.state,
      title: inc.title,
      regrades: (await service.timeline(inc.id)).filter((e) => e.kind === "regraded").length,
      tag: `{${inc.kind}:${inc.key}}`,
      aliases: inc.aliases,
    })),
  );
}

/**
 * What a moderator would see, checked: a harmful scenario is detected as its type (3–5 s is
 * typical, 30 s the limit) and opens exactly one incident of that type, titled with one of its
 * keys, that changes grade at most once, and none of a forbidden type; a benign one opens
 * nothing and spikes on nothing harmful.
 */
function result(
  p: Planned,
  d: { found: NonNullable<DrillResult["found"]>; at: number } | undefined,
  other: Spike[],
  incidents: DrillIncident[],
): DrillResult {
  const s = p.s;
  const failures: string[] = [];
  if (s.expect) {
    if (!d) failures.push(`not detected as ${s.expect}`);
    else if (d.at - p.eventStart > 30_000) failures.push(`detected after ${d.at - p.eventStart} ms`);
    const mine = incidents.filter((i) => i.type === s.expect);
    if (mine.length !== 1) failures.push(`${mine.length} ${s.expect} incidents, expected exactly one`);
    for (const i of mine) {
      if (p.keys.length && !p.keys.some((k) => i.title.includes(k)))
        failures.push(`title "${i.title}" names none of ${p.keys.join(", ")}`);
      if (i.regrades > 1) failures.push(`${i.id} changed grade ${i.regrades} times`);
    }
    for (const t of s.forbid ?? []) if (incidents.some((i) => i.type === t)) failures.push(`opened a ${t} incident`);
  } else {
    if (other.length) failures.push(`spiked as ${other.map((u) => u.type).join(", ")}`);
    if (incidents.length) failures.push(`opened ${incidents.length} incident(s)`);
  }
  return {
    scenario: s.name,
    description: s.description,
    expect: s.expect ?? null,
    keys: p.keys,
    posts: p.posts.length,
    reports: p.reports.length,
    detected: d !== undefined,
    pass: s.expect ? d !== undefined && failures.length === 0 : failures.length === 0,
    found: d ? d.found : null,
    timeToDetectMs: d ? d.at - p.eventStart : null,
    unexpected: other.map(brief),
    incidents,
    failures,
  };
}

/** Every key a scenario's posts are counted under ("kind|value"). */
function signature(posts: Post[], normalise: (t: string) => string): Set<string> {
  const sig = new Set<string>();
  for (const p of posts) {
    sig.add(`post|${keyValue(p.id)}`);
    for (const k of keysOf(p, normalise(p.text))) sig.add(`${k.kind}|${keyValue(k.value)}`);
  }
  return sig;
}

export async function cleanUp(cfg: Config, redis: RedisClient, kafka: ReturnType<typeof createKafka>): Promise<void> {
  await unlinkMatching(redis, `${cfg.pipeline.redis.prefix}:*`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(cfg.pipeline.kafka.topics) }).catch(() => undefined);
  await admin.disconnect();
}
