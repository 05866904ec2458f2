// Backtest of a pipeline change: one recording of traffic replayed through the current pipeline
// file and through a candidate, each on its own topics, consumer group and key prefix (never the
// live ones), and the incidents each opened compared. A lead attaches the report to a plan change.
//
// Replay keeps the recording's spacing, compressed `speed` times, with event times moved so the
// recording ends as the replay does (the pipeline bounds event time by the broker's clock). The
// detector runs in stream time, so a compressed replay is judged as it happened as long as each
// detector tick covers at most one bucket of stream time: the default speed is bucket / tick.
import { setTimeout as sleep } from "node:timers/promises";
import { Partitioners, type Message } from "kafkajs";
import type { Config, Pipeline } from "../config";
import { CATEGORIES, ROMAN, type Category, type IncidentType, type Post, type Report, type Spike } from "../domain";
import { Events } from "../events";
import { IncidentService } from "../incidents/service";
import { Keys } from "../keys";
import type { Logger } from "../log";
import { connectRedis, type RedisClient } from "../redis/client";
import type { Scorer } from "../score/scorer";
import { createKafka } from "../source/kafka";
import { lagReader } from "../worker/incidents";
import { WindowReader } from "../windows/reader";
import { startWorker } from "../worker/main";
import { cleanUp, sandboxConfig } from "./runner";

/** A recording of traffic: posts and reports in event-time order. */
export interface Recording {
  /** Where it came from (a file or topic), for the report. */
  source: string;
  messages: { topic: "posts" | "reports"; atMs: number; value: Post | Report }[];
  /** Lines or messages that could not be replayed, with why (the first few). */
  skipped: { at: string; reason: string }[];
  skippedCount: number;
}

/** What a recording line is, or why it cannot be replayed (it has no readable event time). */
export function recordingEntry(
  line: string,
): { ok: true; topic: "posts" | "reports"; atMs: number; value: Post | Report } | { ok: false; reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { ok: false, reason: "not a JSON object" };
  const o = v as Record<string, unknown>;
  const atMs = typeof o.createdAt === "string" ? Date.parse(o.createdAt) : NaN;
  if (!Number.isFinite(atMs)) return { ok: false, reason: "no readable createdAt" };
  const topic = "reporterId" in o ? "reports" : "posts";
  return { ok: true, topic, atMs, value: o as unknown as Post | Report };
}

/** Builds a recording from lines (of a file or topic), sorted by event time. */
export function recordingOf(
  source: string,
  lines: Iterable<{ at: string; text: string }>,
  maxMessages: number,
): Recording {
  const rec: Recording = { source, messages: [], skipped: [], skippedCount: 0 };
  for (const { at, text } of lines) {
    if (text.trim() === "") continue;
    const e = recordingEntry(text);
    if (!e.ok) {
      rec.skippedCount++;
      if (rec.skipped.length < 20) rec.skipped.push({ at, reason: e.reason });
      continue;
    }
    if (rec.messages.length >= maxMessages)
      throw new Error(`${source} holds more than ${maxMessages} messages; backtest a shorter recording or raise --max`);
    rec.messages.push({ topic: e.topic, atMs: e.atMs, value: e.value });
  }
  rec.messages.sort((a, b) => a.atMs - b.atMs);
  return rec;
}

export interface BacktestIncident {
  id: string;
  type: IncidentType;
  grade: string;
  title: string;
  kind: string;
  key: string;
  /** From the recording's first post to the incident's first evidence (recording time), seconds. */
  startsAtSec: number;
  /** From its first evidence to its detection, in stream time (ms). */
  detectedAfterMs: number | null;
  /** Its window keys (the opening key and near-duplicate aliases): what links the two sides' incidents. */
  tags: string[];
}

export interface BacktestRun {
  pipeline: string;
  posts: number;
  reports: number;
  deadLettered: number;
  /** Share of the replayed posts flagged per category. */
  flagRate: Record<Category, number>;
  incidents: BacktestIncident[];
  seconds: number;
}

export interface BacktestReport {
  recording: { source: string; posts: number; reports: number; skipped: number; spanSeconds: number };
  speed: number;
  detectionNoiseMs: number;
  current: BacktestRun;
  candidate: BacktestRun;
  changes: {
    /** Opened by the candidate only. */
    opened: BacktestIncident[];
    /** Opened by the current pipeline only. */
    missed: BacktestIncident[];
    /** Several current incidents that are one in the candidate. */
    merged: { candidate: BacktestIncident; current: BacktestIncident[] }[];
    /** One current incident that the candidate opens as several. */
    split: { current: BacktestIncident; candidate: BacktestIncident[] }[];
    /** The same incident with another grade. */
    regraded: { current: BacktestIncident; candidate: BacktestIncident }[];
    /** Each same incident's detection, sooner (negative) or later (ms of recording time). */
    detection: { current: BacktestIncident; candidate: BacktestIncident; deltaMs: number | null }[];
    unchanged: number;
  };
}

export interface BacktestOptions {
  current: Config;
  candidate: Config;
  recording: Recording;
  log: Logger;
  say: (line: string) => void;
  normalise: (text: string) => string;
  scorer: Scorer | undefined;
  /** Recording seconds replayed per second; default: one bucket per detector tick. */
  speed?: number;
  onProgress?: (run: "current" | "candidate", sent: number, total: number) => void;
  /** Longest wait for the pipeline to finish with the recording after the last message. */
  settleTimeoutMs?: number;
}

/** Detector and incident ticks in the sandbox: fast, so a compressed replay is examined often. */
const TICK_MS = 500;

export async function runBacktest(o: BacktestOptions): Promise<BacktestReport> {
  const msgs = o.recording.messages;
  if (msgs.length === 0) throw new Error(`${o.recording.source} holds no post or report to replay`);
  const first = msgs[0]!.atMs;
  const spanMs = msgs[msgs.length - 1]!.atMs - first;
  const retentionMs = o.current.pipeline.windows.retentionSeconds * 1000;
  if (spanMs > retentionMs * 0.9)
    throw new Error(
      `the recording spans ${Math.round(spanMs / 60_000)} min; a backtest replays at most 90% of windows.retentionSeconds (${Math.round((retentionMs * 0.9) / 60_000)} min)`,
    );
  const speed = o.speed ?? (o.current.pipeline.windows.bucketSeconds * 1000) / TICK_MS;
  const current = await replay("current", o.current, o, speed);
  const candidate = await replay("candidate", o.candidate, o, speed);
  return {
    recording: {
      source: o.recording.source,
      posts: msgs.filter((m) => m.topic === "posts").length,
      reports: msgs.filter((m) => m.topic === "reports").length,
      skipped: o.recording.skippedCount,
      spanSeconds: Math.round(spanMs / 1000),
    },
    speed,
    current,
    candidate,
    changes: compare(current.incidents, candidate.incidents),
    /** Detection moves within one bucket are tick noise, not a change. */
    detectionNoiseMs: o.current.pipeline.windows.bucketSeconds * 1000,
  };
}

/** The sandbox of one side: its own topics and prefix, fast ticks, and no alerts paged. */
function sandboxOf(base: Config, label: string): Config {
  return sandboxConfig(base, `backtest-${label}`, (p: Pipeline) => ({
    ...p,
    detect: { ...p.detect, tickMs: Math.min(p.detect.tickMs, TICK_MS) },
    incidents: p.incidents
      ? {
          ...p.incidents,
          tickMs: Math.min(p.incidents.tickMs, TICK_MS),
          alertmanager: { ...p.incidents.alertmanager, url: "" },
        }
      : undefined,
  }));
}

async function replay(
  label: "current" | "candidate",
  base: Config,
  o: BacktestOptions,
  speed: number,
): Promise<BacktestRun> {
  const t0 = Date.now();
  const cfg = sandboxOf(base, label);
  const msgs = o.recording.messages;
  const first = msgs[0]!.atMs;
  const spanMs = msgs[msgs.length - 1]!.atMs - first;
  o.say(`backtest: ${label} pipeline (${base.pipelineFile}), ${msgs.length} messages at ${speed}x`);
  const events = new Events();
  const counted = { posts: 0, reports: 0, deadLettered: 0 };
  const topics = cfg.pipeline.kafka.topics;
  events.on("batch", (b) => {
    if (b.topic === topics.posts) counted.posts += b.valid;
    else counted.reports += b.valid;
    counted.deadLettered += b.deadLettered;
  });
  const worker = await startWorker(cfg, o.log, { normalise: o.normalise, scorer: o.scorer, events });
  const kafka = createKafka(cfg, o.log);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  const redis = connectRedis(cfg);
  const keys = new Keys(cfg.pipeline.redis.prefix);
  const lag = lagReader(kafka, cfg.pipeline.kafka.groupId, [topics.posts, topics.reports]);
  try {
    // Event times move so the recording ends as its replay does: spacing kept, compressed.
    const start = Date.now();
    const shift = start + spanMs / speed - (first + spanMs);
    let sent = 0;
    while (sent < msgs.length) {
      const due = first + (Date.now() - start) * speed;
      const batch: Record<"posts" | "reports", Message[]> = { posts: [], reports: [] };
      while (sent < msgs.length && msgs[sent]!.atMs <= due && batch.posts.length + batch.reports.length < 5000) {
        const m = msgs[sent++]!;
        const createdAt = new Date(m.atMs + shift).toISOString();
        batch[m.topic].push({ key: m.value.id, value: JSON.stringify({ ...m.value, createdAt }) });
      }
      for (const t of ["posts", "reports"] as const)
        if (batch[t].length) await producer.send({ topic: topics[t], acks: -1, messages: batch[t] });
      o.onProgress?.(label, sent, msgs.length);
      if (sent < msgs.length) await sleep(Math.max(0, Math.min(100, (msgs[sent]!.atMs - due) / speed)));
    }
    await settle(cfg, redis, keys, () => lag.read(), o.settleTimeoutMs ?? 60_000);
    const service = new IncidentService({ redis, keys, pipeline: cfg.pipeline, events: new Events() });
    const reader = new WindowReader(redis, keys);
    const spikes = (await reader.readSpikes("0")).map((s) => s.spike);
    const incidents = await incidentsOf(service, spikes, keys, shift + first);
    const flagRate = await flagRates(reader, cfg.pipeline.windows.bucketSeconds, first + shift, first + shift + spanMs);
    return {
      pipeline: base.pipelineFile,
      posts: counted.posts,
      reports: counted.reports,
      deadLettered: counted.deadLettered,
      flagRate,
      incidents,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    await lag.close();
    await producer.disconnect();
    await worker.close();
    await cleanUp(cfg, redis, kafka);
    redis.disconnect();
  }
}

/**
 * Waits until the worker has consumed everything and the detector and incidents have gone quiet:
 * no consumer lag, and the spikes stream and the incident list unchanged for a few ticks.
 */
async function settle(
  cfg: Config,
  redis: RedisClient,
  keys: Keys,
  lag: () => Promise<number | undefined>,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  const quietMs = TICK_MS * 6;
  let last = "";
  let quietSince = Date.now();
  while (Date.now() < until) {
    const [behind, spikes, incidents] = await Promise.all([
      lag(),
      redis.xlen(keys.spikes()),
      redis.zcard(keys.incidentList()),
    ]);
    const state = `${behind}|${spikes}|${incidents}`;
    if (state !== last || behind !== 0) {
      last = state;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return;
    await sleep(TICK_MS / 2);
  }
  throw new Error(
    `the ${cfg.pipeline.redis.prefix} pipeline did not finish with the recording within ${timeoutMs / 1000}s`,
  );
}

/** The incidents a run opened; detected when the first spike of its type on one of its keys was (stream time). */
async function incidentsOf(
  service: IncidentService,
  spikes: Spike[],
  keys: Keys,
  recordingStart: number,
): Promise<BacktestIncident[]> {
  const list = await service.list({ limit: 10_000 });
  return list
    .map((inc) => {
      const tags = [`{${inc.kind}:${inc.key}}`, ...inc.aliases];
      const detected = spikes
        .filter((s) => s.type === inc.type && tags.includes(keys.tag(s.kind, s.key)))
        .map((s) => s.detectedAt);
      return {
        id: inc.id,
        type: inc.type,
        grade: ROMAN[inc.grade] ?? String(inc.grade),
        title: inc.title,
        kind: inc.kind,
        key: inc.key,
        startsAtSec: Math.round((inc.firstEvidenceAt - recordingStart) / 100) / 10,
        detectedAfterMs: detected.length ? Math.max(0, Math.min(...detected) - inc.firstEvidenceAt) : null,
        tags,
      };
    })
    .sort((a, b) => a.startsAtSec - b.startsAtSec);
}

/** Flagged share per category of the stream's posts over the replayed buckets (exact stream totals). */
async function flagRates(reader: WindowReader, bucketSeconds: number, fromMs: number, toMs: number) {
  const buckets: number[] = [];
  for (let b = Math.floor(fromMs / 1000 / bucketSeconds) * bucketSeconds; b <= toMs / 1000; b += bucketSeconds)
    buckets.push(b);
  const share = await reader.streamShare(buckets);
  return Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(share[c] * 1e4) / 1e4])) as Record<Category, number>;
}

/**
 * Links the two sides' incidents: the same type and a shared window key (the opening key or a
 * near-duplicate alias). One to one is the same incident (regraded when its grade differs);
 * none is opened or missed; several on one side is a merge or a split.
 */
export function compare(current: BacktestIncident[], candidate: BacktestIncident[]): BacktestReport["changes"] {
  const linked = (a: BacktestIncident, b: BacktestIncident) =>
    a.type === b.type && a.tags.some((t) => b.tags.includes(t));
  const of = new Map(current.map((c) => [c, candidate.filter((d) => linked(c, d))]));
  const back = new Map(candidate.map((d) => [d, current.filter((c) => linked(c, d))]));
  const changes: BacktestReport["changes"] = {
    opened: candidate.filter((d) => back.get(d)!.length === 0),
    missed: current.filter((c) => of.get(c)!.length === 0),
    merged: candidate.filter((d) => back.get(d)!.length > 1).map((d) => ({ candidate: d, current: back.get(d)! })),
    split: current.filter((c) => of.get(c)!.length > 1).map((c) => ({ current: c, candidate: of.get(c)! })),
    regraded: [],
    detection: [],
    unchanged: 0,
  };
  for (const c of current) {
    const ds = of.get(c)!;
    const d = ds[0];
    if (ds.length !== 1 || !d || back.get(d)!.length !== 1) continue;
    const deltaMs =
      c.detectedAfterMs === null || d.detectedAfterMs === null
        ? null
        : d.detectedAfterMs + d.startsAtSec * 1000 - (c.detectedAfterMs + c.startsAtSec * 1000);
    changes.detection.push({ current: c, candidate: d, deltaMs });
    if (c.grade !== d.grade) changes.regraded.push({ current: c, candidate: d });
    else changes.unchanged++;
  }
  return changes;
}
