// Runs drills through the real path: background traffic and scenario bursts are published to
// Kafka, a worker consumes, scores and counts them in Redis, the detector finds spikes. Each
// spike is matched to the scenario whose posts carry its key; the report says, per scenario,
// whether the expected incident type was detected and how long after the burst began.
import { randomBytes } from "node:crypto";
import type { Message } from "kafkajs";
import { Partitioners } from "kafkajs";
import type { Redis } from "ioredis";
import { connectRedis } from "../redis/client";
import { loadConfig, type Config } from "../config";
import { type IncidentType, type Post, type Spike, ROMAN } from "../domain";
import type { Logger } from "../log";
import { startWorker } from "../worker/main";
import type { Scorer } from "../score/scorer";
import type { Corpus } from "../replay/corpus";
import { Synth } from "../replay/synth";
import { createKafka } from "../source/kafka";
import { Keys } from "../keys";
import { keysOf } from "../windows/keyset";
import { WindowReader } from "../windows/reader";
import { SCENARIOS, type Scenario } from "./scenarios";
import { Events } from "../events";
import { IncidentService } from "../incidents/service";

export interface DrillResult {
  scenario: string;
  description: string;
  expect: IncidentType | null;
  posts: number;
  detected: boolean;
  pass: boolean;
  found: { type: IncidentType; kind: string; key: string; evidence: number } | null;
  /** From the first post of the burst (event time) to the detection. */
  timeToDetectMs: number | null;
  /** Spikes on this scenario's keys of a type other than the expected one. */
  unexpected: { type: IncidentType; kind: string; key: string }[];
  /** Incidents opened on this scenario's keys (by the worker's incidents extension). */
  incidents: { id: string; type: IncidentType; grade: string; state: string }[];
}

export interface DrillReport {
  results: DrillResult[];
  backgroundPosts: number;
  backgroundSpikes: { type: IncidentType; kind: string; key: string }[];
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
}

/** The drill runs on its own topics, group and key prefix, so it never touches live data. */
function drillConfig(base: Config): Config {
  const id = `drill-${randomBytes(3).toString("hex")}`;
  return loadConfig(process.env, {
    pipelineFile: base.pipelineFile,
    patch: (p) => ({
      ...p,
      kafka: {
        ...p.kafka,
        groupId: id,
        topics: Object.fromEntries(
          Object.entries(p.kafka.topics).map(([k, t]) => [k, `${id}.${t}`]),
        ) as typeof p.kafka.topics,
      },
      redis: { ...p.redis, prefix: id },
      // The drill's worker runs beside the user's own: no metrics port, its own statements topic.
      metrics: p.metrics ? { ...p.metrics, port: 0 } : undefined,
      incidents: p.incidents ? { ...p.incidents, statementsTopic: `${id}.statements` } : undefined,
    }),
  });
}

const msg = (p: Post): Message => ({ key: p.id, value: JSON.stringify(p) });

export async function runDrills(names: readonly string[], o: DrillOptions): Promise<DrillReport> {
  const t0 = Date.now();
  const cfg = drillConfig(o.base);
  const scenarios = SCENARIOS.filter((s) => names.includes(s.name));
  const worker = await startWorker(cfg, o.log, { normalise: o.normalise, scorer: o.scorer });
  const kafka = createKafka(cfg, o.log);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const redis = connectRedis(cfg);
  const reader = new WindowReader(redis, new Keys(cfg.pipeline.redis.prefix));
  try {
    const burstStart = Date.now() + o.warmupMs;
    const planned = scenarios.map((s, i) => ({ s, posts: s.posts(burstStart, o.seed + i) }));
    const signatures = planned.map(({ posts }) => signature(posts, o.normalise));
    const queue = planned.flatMap(({ posts }) => posts).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const lastBurstMs = burstStart + Math.max(...scenarios.map((s) => s.seconds)) * 1000;
    const synth = new Synth({
      seed: o.seed,
      authors: 20_000,
      zhShare: 0.5,
      startMs: Date.now(),
      ratePerSec: o.backgroundRate,
      corpus: o.corpus,
    });

    const detections = new Map<number, { spike: Spike; at: number }>();
    const unexpected = new Map<number, Spike[]>();
    const backgroundSpikes: Spike[] = [];
    let lastSpikeId = "0";
    let background = 0;
    o.say(`drill: ${scenarios.map((s) => s.name).join(", ")}; bursts start in ${o.warmupMs / 1000}s`);

    const harmful = planned.map((p, i) => i).filter((i) => planned[i]?.s.expect !== undefined);
    const done = () => Date.now() > lastBurstMs + 5000 && harmful.every((i) => detections.has(i));
    while (!done() && Date.now() < burstStart + o.timeoutMs) {
      const tick = Date.now();
      const due: Message[] = [];
      const owed = Math.floor(((tick - t0) / 1000) * o.backgroundRate) - background;
      for (let i = 0; i < owed; i++) due.push(msg({ ...synth.post(), createdAt: new Date(tick).toISOString() }));
      background += Math.max(0, owed);
      while (queue.length && Date.parse(queue[0]?.createdAt ?? "") <= tick) due.push(msg(queue.shift() as Post));
      if (due.length) await producer.send({ topic: cfg.pipeline.kafka.topics.posts, messages: due });

      for (const { id, spike } of await reader.readSpikes(lastSpikeId)) {
        lastSpikeId = id;
        const i = signatures.findIndex((sig) => sig.has(`${spike.kind}|${spike.key}`));
        const s = planned[i]?.s;
        if (!s) backgroundSpikes.push(spike);
        else if (s.expect === spike.type && !detections.has(i)) {
          detections.set(i, { spike, at: spike.detectedAt });
          o.say(
            `drill: ${s.name} detected as ${spike.type} on ${spike.kind} after ${((spike.detectedAt - burstStart) / 1000).toFixed(1)}s`,
          );
        } else if (s.expect !== spike.type) unexpected.set(i, [...(unexpected.get(i) ?? []), spike]);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 250 - (Date.now() - tick))));
    }

    // Incidents open from spikes on the next incidents tick: give them a moment, then collect.
    await new Promise((r) => setTimeout(r, 2500));
    const incidents = await openedIncidents(cfg, redis);
    const results: DrillResult[] = planned.map(({ s, posts }, i) => ({
      ...result(s, posts.length, detections.get(i), unexpected.get(i) ?? [], burstStart),
      incidents: incidents
        .filter((inc) => [inc.tag, ...inc.aliases].some((t) => signatures[i]?.has(tagToSignature(t))))
        .map(({ id, type, grade, state }) => ({ id, type, grade, state })),
    }));
    return {
      results,
      backgroundPosts: background,
      backgroundSpikes: backgroundSpikes.map(brief),
      pass: results.every((r) => r.pass),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    await producer.disconnect();
    await worker.close();
    await cleanUp(cfg, redis, kafka);
    redis.disconnect();
  }
}

const brief = (s: Spike) => ({ type: s.type, kind: s.kind, key: s.key });

/** "{kind:value}" → "kind|value", the form of the scenario signatures. */
function tagToSignature(tag: string): string {
  const inner = tag.slice(1, -1);
  const i = inner.indexOf(":");
  return `${inner.slice(0, i)}|${inner.slice(i + 1)}`;
}

async function openedIncidents(cfg: Config, redis: Redis) {
  if (!cfg.pipeline.incidents) return [];
  const keys = new Keys(cfg.pipeline.redis.prefix);
  const service = new IncidentService({ redis, keys, pipeline: cfg.pipeline, events: new Events() });
  const list = await service.list({ limit: 500 });
  return list.map((inc) => ({
    id: inc.id,
    type: inc.type,
    grade: ROMAN[inc.grade] ?? String(inc.grade),
    state: inc.state,
    tag: `{${inc.kind}:${inc.key}}`,
    aliases: inc.aliases,
  }));
}

function result(
  s: Scenario,
  posts: number,
  d: { spike: Spike } | undefined,
  other: Spike[],
  burstStart: number,
): Omit<DrillResult, "incidents"> {
  // A harmful scenario passes when its type is found; a benign one when nothing harmful is.
  const pass = s.expect ? d !== undefined : other.length === 0;
  return {
    scenario: s.name,
    description: s.description,
    expect: s.expect ?? null,
    posts,
    detected: d !== undefined,
    pass,
    found: d ? { ...brief(d.spike), evidence: d.spike.evidence } : null,
    timeToDetectMs: d ? d.spike.detectedAt - burstStart : null,
    unexpected: other.map(brief),
  };
}

/** Every key a scenario's posts are counted under ("kind|value"). */
function signature(posts: Post[], normalise: (t: string) => string): Set<string> {
  const sig = new Set<string>();
  for (const p of posts) for (const k of keysOf(p, normalise(p.text))) sig.add(`${k.kind}|${k.value}`);
  return sig;
}

async function cleanUp(cfg: Config, redis: Redis, kafka: ReturnType<typeof createKafka>): Promise<void> {
  const stream = redis.scanStream({ match: `${cfg.pipeline.redis.prefix}:*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(cfg.pipeline.kafka.topics) }).catch(() => undefined);
  await admin.disconnect();
}
