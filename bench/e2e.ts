// End-to-end benchmark, in one run on one pre-loaded topic of real mixed English/Chinese text:
//   (a) raw kafkajs consumption, the ceiling;
//   (b) the full worker (bench/e2e-worker.ts: every stage and extension) as one process;
//   (c) the same with two worker processes in one consumer group;
//   (d) event time → durable latency of one worker fed live at a steady rate.
// (b) and (c) run on a pre-loaded backlog, where event time says nothing about latency (posts
// waited in the topic), so they report step durations; (d) measures the latency a live stream sees.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Kafka } from "kafkajs";
import { stringify } from "yaml";
import type { Config, Pipeline } from "../src/config";
import { createLogger } from "../src/log";
import { STREAM } from "../src/worker/pipeline";
import { loadBenignCorpus, type Corpus } from "../src/replay/corpus";
import { postMessages, publish } from "../src/replay/producer";
import { Synth } from "../src/replay/synth";
import { defaultDataDir } from "../src/cli/score";
import { createKafka } from "../src/source/kafka";
import { Keys } from "../src/keys";
import { benchPosts, deleteTopic, preloadTopic, round, timedConsume } from "./kafka-util";
import { ModelScorer } from "../src/score/scorer";
import { normalise } from "../src/normalise";
import type { WorkerReport } from "./e2e-worker";
import { connectRedis, primaries, scanKeys, unlinkMatching, type RedisClient } from "../src/redis/client";

const WORKER = fileURLToPath(new URL("./e2e-worker.ts", import.meta.url));
const TARGET_RATIO = 0.6;
const TARGET_POSTS_PER_SEC = 30_000;

export interface E2eOptions {
  config: Config;
  count: number;
  partitions: number;
  /** Posts per second for the live latency phase (0 = half of what one worker reached). */
  liveRate: number;
  liveSeconds: number;
  say: (line: string) => void;
}

interface Resources {
  /** Per worker: RSS and heap at each tenth of the run. */
  rssMb: number[][];
  heapMb: number[][];
  workerCpuSeconds: number;
  /** Share of all cores busy during the run (workers, Kafka, Redis, everything). */
  machineBusy: number;
  /** Redis server CPU per post (all of Redis: other clients' work counts too), µs. */
  redisCpuMicrosPerPost: number;
  /** Memory of the run's own Redis keys at its end (MEMORY USAGE summed) per post, bytes. */
  redisBytesPerPost: number;
  /** The same by key family (`keyFamily`), largest first: where the bytes go. */
  redisBytesPerPostByFamily: Record<string, number>;
  /** INFO commandstats over the run (all clients), the commands that took most time: calls and µs per post. */
  redisCommandsPerPost: Record<string, { calls: number; micros: number }>;
}

export interface WorkersRun extends Resources {
  workers: number;
  posts: number;
  seconds: number;
  postsPerSec: number;
  ratioToCeiling: number;
  /** Posts in Redis's stream totals afterwards: equal to `posts` when nothing was lost or counted twice. */
  counted: number;
  stepMs: { p50: number; p99: number };
}

export interface E2eResult {
  /** True when the workers and every measurement ran against the Redis Cluster (REDIS_CLUSTER_NODES). */
  redisCluster: boolean;
  posts: number;
  partitions: number;
  cores: number;
  ceiling: { postsPerSec: number; seconds: number; cpuSeconds: number };
  oneWorker: WorkersRun;
  twoWorkers: WorkersRun;
  live: { rate: number; seconds: number; posts: number; latencyMs: { p50: number; p99: number; max: number } };
  targets: { ratioToCeiling: number; postsPerSec: number; ratioMet: boolean; postsPerSecMet: boolean };
  /** The same posts normalised and scored in this process alone, one thread: what the pipeline could reach. */
  scoringOnly: { postsPerSec: number; seconds: number };
  /** One worker's full-pipeline posts/s over scoring-only posts/s (issue 18's target: ≥ 0.6). */
  pipelineToScoring: number;
  loadPerCoreAfter: number;
}

/** Normalise + score the bench posts in batches of 512, as a worker's step does, timed after one warm-up pass. */
async function scoringOnly(count: number, corpus: ReturnType<typeof loadBenignCorpus>) {
  const scorer = await ModelScorer.load();
  const posts = [...benchPosts(count, corpus)];
  const pass = (): void => {
    for (let i = 0; i < posts.length; i += 512) {
      const batch = posts.slice(i, i + 512);
      scorer.scoreBatch(
        batch,
        batch.map((p) => normalise(p.text)),
      );
    }
  };
  pass();
  const t0 = performance.now();
  pass();
  const seconds = (performance.now() - t0) / 1000;
  return { postsPerSec: Math.round(posts.length / seconds), seconds: round(seconds, 1) };
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Busy and total jiffies of all cores, from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** A fresh group, Redis prefix and side topics for one run, in a pipeline file for the children. */
function runPipeline(base: Config, topic: string): { pipeline: Pipeline; file: string; id: string } {
  const id = `bench-e2e-${randomBytes(3).toString("hex")}`;
  const p = base.pipeline;
  const topics = Object.fromEntries(
    Object.entries(p.kafka.topics).map(([k, v]) => [k, k === "posts" ? topic : `${id}.${v}`]),
  ) as Pipeline["kafka"]["topics"];
  const pipeline: Pipeline = { ...p, kafka: { ...p.kafka, groupId: id, topics }, redis: { ...p.redis, prefix: id } };
  const file = join(tmpdir(), `${id}.yaml`);
  writeFileSync(file, stringify(pipeline));
  return { pipeline, file, id };
}

interface Child {
  proc: ChildProcess;
  latest: WorkerReport;
  samples: WorkerReport[];
  final: Promise<WorkerReport>;
}

function spawnWorker(file: string, index: number, env: Record<string, string> = {}): Child {
  // MODSTREAM_CPU_PROF=DIR writes each worker's V8 CPU profile there (open it in Chrome DevTools).
  const prof = process.env.MODSTREAM_CPU_PROF;
  const flags = prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [];
  const proc = spawn(process.execPath, [...flags, "--import", "tsx", WORKER], {
    env: {
      ...process.env,
      ...env,
      MODSTREAM_PIPELINE: file,
      MODSTREAM_METRICS_PORT: String(29_464 + index),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const empty: WorkerReport = { final: false, posts: 0, firstAt: 0, lastAt: 0, rssMb: 0, heapMb: 0, cpuSeconds: 0 };
  const child: Child = { proc, latest: empty, samples: [], final: Promise.resolve(empty) };
  child.final = new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const r = JSON.parse(line) as WorkerReport;
      child.latest = r;
      if (r.final) resolve(r);
      else if (r.posts > 0) child.samples.push(r);
    });
    proc.once("exit", (code) => reject(new Error(`bench worker exited (${code}) before its last report`)));
  });
  return child;
}

async function stop(children: Child[]): Promise<WorkerReport[]> {
  for (const c of children) c.proc.kill("SIGTERM");
  const finals = await Promise.all(children.map((c) => c.final));
  await Promise.all(children.filter((c) => c.proc.exitCode === null).map((c) => once(c.proc, "exit")));
  return finals;
}

async function dropRun(redis: RedisClient, kafka: Kafka, run: { pipeline: Pipeline; file: string }): Promise<void> {
  await unlinkMatching(redis, `${run.pipeline.redis.prefix}:*`);
  const { topics } = run.pipeline.kafka;
  for (const t of Object.values(topics)) if (t !== topics.posts) await deleteTopic(kafka, t);
  rmSync(run.file, { force: true });
}

/** Redis server CPU seconds so far (user + system, all threads), summed over the primaries of a Cluster. */
async function redisCpu(redis: RedisClient): Promise<number> {
  let total = 0;
  for (const node of primaries(redis)) {
    const info = await node.info("cpu");
    const field = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
    total += field("used_cpu_user") + field("used_cpu_sys");
  }
  return total;
}

/** INFO commandstats summed over the primaries: command → calls and µs so far. */
async function commandStats(redis: RedisClient): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const node of primaries(redis))
    for (const m of (await node.info("commandstats")).matchAll(/^cmdstat_(\S+):calls=(\d+),usec=(\d+)/gm)) {
      const prior = out.get(m[1] ?? "") ?? { calls: 0, usec: 0 };
      out.set(m[1] ?? "", { calls: prior.calls + Number(m[2]), usec: prior.usec + Number(m[3]) });
    }
  return out;
}

/** The commands that took most Redis time between two `commandStats`, per post. */
function commandsPerPost(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
  posts: number,
  top = 10,
): Record<string, { calls: number; micros: number }> {
  const rows = [...after].map(([cmd, a]) => {
    const b = before.get(cmd) ?? { calls: 0, usec: 0 };
    return { cmd, calls: (a.calls - b.calls) / posts, micros: (a.usec - b.usec) / posts };
  });
  rows.sort((x, y) => y.micros - x.micros);
  return Object.fromEntries(
    rows.slice(0, top).map((r) => [r.cmd, { calls: round(r.calls, 3), micros: round(r.micros, 2) }]),
  );
}

/**
 * A key's family: its hash tag's kind and the name after the tag, up to the first part with a
 * digit (a bucket, an id), e.g. `author:b`, `cand:z:posts`, `hashtag:ev`, `review:item`.
 */
export function keyFamily(key: string, prefix: string): string {
  const rest = key.slice(prefix.length + 1);
  const m = /^\{([^:}]+)[^}]*\}(.*)$/.exec(rest);
  if (!m) return rest.split(":")[0] ?? rest;
  const parts: string[] = [];
  for (const p of (m[2] ?? "").split(":").filter(Boolean)) {
    if (/\d/.test(p)) break;
    parts.push(p);
  }
  return [m[1], ...parts].join(":");
}

/** MEMORY USAGE of the run's own keys on every primary: in all and by `keyFamily`. */
async function ownBytes(redis: RedisClient, prefix: string): Promise<{ total: number; byFamily: Map<string, number> }> {
  let total = 0;
  const byFamily = new Map<string, number>();
  for (const node of primaries(redis))
    for await (const keys of node.scanStream({ match: `${prefix}:*`, count: 5000 }) as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      const pipe = node.pipeline();
      for (const k of keys) pipe.memory("USAGE", k);
      ((await pipe.exec()) ?? []).forEach(([, v], i) => {
        const bytes = Number(v ?? 0);
        const family = keyFamily(keys[i] ?? "", prefix);
        total += bytes;
        byFamily.set(family, (byFamily.get(family) ?? 0) + bytes);
      });
    }
  return { total, byFamily };
}

async function streamTotal(redis: RedisClient, prefix: string): Promise<number> {
  const keys = new Keys(prefix);
  let total = 0;
  for await (const batch of scanKeys(redis, keys.bucketPattern(keys.tag("stream", STREAM))))
    for (const k of batch) total += Number((await redis.hget(k, "posts")) ?? 0);
  return total;
}

/** Tenths of a series of samples (first, 10%, ..., last). */
function tenths(samples: number[]): number[] {
  if (samples.length === 0) return [];
  return Array.from({ length: 11 }, (_, i) => samples[Math.round((i / 10) * (samples.length - 1))] ?? 0);
}

async function timedWorkers(o: E2eOptions, deps: { redis: RedisClient; kafka: Kafka }, topic: string, workers: number) {
  const run = runPipeline(o.config, topic);
  const label = `${workers} worker${workers > 1 ? "s" : ""}`;
  o.say(`${label}: starting (group ${run.id})`);
  const cpu0 = cpuTimes();
  const redisCpu0 = await redisCpu(deps.redis);
  const commands0 = await commandStats(deps.redis);
  const children = Array.from({ length: workers }, (_, i) => spawnWorker(run.file, i));
  const deadline = Date.now() + Math.max(600_000, o.count * 2);
  let lastSay = 0;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const posts = children.reduce((s, c) => s + c.latest.posts, 0);
      if (posts >= o.count) break;
      if (Date.now() > deadline) throw new Error(`${label}: only ${posts}/${o.count} posts before the deadline`);
      if (children.some((c) => c.proc.exitCode !== null)) throw new Error(`${label}: a worker exited early`);
      if (Date.now() - lastSay > 5000) {
        lastSay = Date.now();
        o.say(`${label}: ${posts.toLocaleString("en")}/${o.count.toLocaleString("en")} posts`);
      }
    }
    const cpu1 = cpuTimes();
    const redisCpu1 = await redisCpu(deps.redis);
    const commands1 = await commandStats(deps.redis);
    const finals = await stop(children);
    const firstAt = Math.min(...finals.map((f) => f.firstAt).filter((t) => t > 0));
    const lastAt = Math.max(...finals.map((f) => f.lastAt));
    const posts = finals.reduce((s, f) => s + f.posts, 0);
    const seconds = (lastAt - firstAt) / 1000;
    const steps = Float64Array.from(finals.flatMap((f) => f.stepMs ?? [])).sort();
    const counted = await streamTotal(deps.redis, run.pipeline.redis.prefix);
    const bytes = await ownBytes(deps.redis, run.pipeline.redis.prefix);
    o.say(`${label}: ${posts.toLocaleString("en")} posts in ${seconds.toFixed(1)} s, ${counted} counted in Redis`);
    return {
      workers,
      posts,
      seconds: round(seconds),
      postsPerSec: Math.round(posts / seconds),
      counted,
      stepMs: { p50: Math.round(percentile(steps, 0.5)), p99: Math.round(percentile(steps, 0.99)) },
      rssMb: children.map((c) => tenths(c.samples.map((s) => s.rssMb))),
      heapMb: children.map((c) => tenths(c.samples.map((s) => s.heapMb))),
      workerCpuSeconds: round(
        finals.reduce((s, f) => s + f.cpuSeconds, 0),
        1,
      ),
      machineBusy: round((cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total), 2),
      redisCpuMicrosPerPost: round(((redisCpu1 - redisCpu0) * 1e6) / posts, 1),
      redisBytesPerPost: Math.round(bytes.total / posts),
      redisBytesPerPostByFamily: Object.fromEntries(
        [...bytes.byFamily].sort((a, b) => b[1] - a[1]).map(([f, b]) => [f, round(b / posts, 1)]),
      ),
      redisCommandsPerPost: commandsPerPost(commands0, commands1, posts),
    };
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
    await dropRun(deps.redis, deps.kafka, run);
  }
}

/** One worker fed live at `rate` posts/s: event time (stamped when sent) → durable, per post. */
async function liveLatency(o: E2eOptions, deps: { redis: RedisClient; kafka: Kafka }, rate: number, corpus?: Corpus) {
  const topic = `bench-e2e-live-${randomBytes(3).toString("hex")}`;
  const admin = deps.kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: o.partitions }] });
  await admin.disconnect();
  const run = runPipeline(o.config, topic);
  const child = spawnWorker(run.file, 0, { MODSTREAM_BENCH_LAGS: "1" });
  try {
    const synth = new Synth({ seed: 11, authors: 50_000, zhShare: 0.5, startMs: Date.now(), ratePerSec: rate, corpus });
    const live = function* (n: number) {
      for (let i = 0; i < n; i++) yield { ...synth.post(), createdAt: new Date().toISOString() };
    };
    // Warm up until the worker has joined its group and consumed, so joining is not measured.
    const warm = 200;
    await publish(postMessages(live(warm)), { kafka: deps.kafka, topic, rate: 0 });
    const joinBy = Date.now() + 60_000;
    while (child.latest.posts < warm) {
      if (Date.now() > joinBy || child.proc.exitCode !== null) throw new Error("live worker did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const count = rate * o.liveSeconds;
    o.say(`live: ${rate} posts/s for ${o.liveSeconds} s into one worker`);
    await publish(postMessages(live(count)), { kafka: deps.kafka, topic, rate });
    const doneBy = Date.now() + 120_000;
    while (child.latest.posts < warm + count && Date.now() < doneBy) await new Promise((r) => setTimeout(r, 100));
    const [final] = await stop([child]);
    // The warm-up posts were all durable before the live ones were sent, so they come first.
    const measured = Float64Array.from((final?.lagMs ?? []).slice(warm)).sort();
    return {
      rate,
      seconds: o.liveSeconds,
      posts: measured.length,
      latencyMs: {
        p50: Math.round(percentile(measured, 0.5)),
        p99: Math.round(percentile(measured, 0.99)),
        max: Math.round(measured[measured.length - 1] ?? 0),
      },
    };
  } finally {
    if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
    await dropRun(deps.redis, deps.kafka, run);
    await deleteTopic(deps.kafka, topic);
  }
}

export async function benchE2e(o: E2eOptions): Promise<E2eResult> {
  const log = createLogger("warn", "bench");
  const kafka = createKafka(o.config, log);
  const redis = connectRedis(o.config);
  const corpus = loadBenignCorpus(defaultDataDir());
  const topic = await preloadTopic(kafka, o.count, o.partitions, o.say, corpus);
  try {
    o.say("ceiling: raw kafkajs consumption");
    const ceiling = await timedConsume(kafka, topic, o.count, () => undefined);
    o.say(`ceiling: ${ceiling.postsPerSec.toLocaleString("en")} posts/s`);
    const ratio = (r: Omit<WorkersRun, "ratioToCeiling">): WorkersRun => ({
      ...r,
      ratioToCeiling: round(r.postsPerSec / ceiling.postsPerSec, 2),
    });
    const one = ratio(await timedWorkers(o, { redis, kafka }, topic, 1));
    const two = ratio(await timedWorkers(o, { redis, kafka }, topic, 2));
    const rate = o.liveRate > 0 ? o.liveRate : Math.max(100, Math.round(one.postsPerSec / 2 / 100) * 100);
    const live = await liveLatency(o, { redis, kafka }, rate, corpus);
    o.say("scoring alone: the same posts, normalised and scored in this process");
    const scoring = await scoringOnly(o.count, corpus);
    return {
      redisCluster: o.config.redisClusterNodes !== undefined,
      posts: o.count,
      partitions: o.partitions,
      cores: cpus().length,
      ceiling: { postsPerSec: ceiling.postsPerSec, seconds: ceiling.seconds, cpuSeconds: ceiling.cpuSeconds },
      oneWorker: one,
      twoWorkers: two,
      live,
      targets: {
        ratioToCeiling: TARGET_RATIO,
        postsPerSec: TARGET_POSTS_PER_SEC,
        ratioMet: one.ratioToCeiling >= TARGET_RATIO,
        postsPerSecMet: Math.max(one.postsPerSec, two.postsPerSec) >= TARGET_POSTS_PER_SEC,
      },
      scoringOnly: scoring,
      pipelineToScoring: round(one.postsPerSec / scoring.postsPerSec, 2),
      loadPerCoreAfter: round((loadavg()[0] ?? 0) / cpus().length, 2),
    };
  } finally {
    await deleteTopic(kafka, topic);
    redis.disconnect();
  }
}
