// What the fault tests share: the replay they publish (synthetic posts, each with a hashtag of
// its own so that every post id can be found in Redis, a drill scenario, poison messages), the
// exact counts Redis must hold afterwards, a worker process with its log and /healthz, and a
// reader for the dead-letter topic.
import { expect } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { batch, scanKeys as scanPages, type RedisClient } from "../../src/redis/client";
import type { Kafka, Message } from "kafkajs";
import type { Config } from "../../src/config";
import type { Post } from "../../src/domain";
import { Events } from "../../src/events";
import type { HealthReport } from "../../src/worker/health";
import { IncidentService } from "../../src/incidents/service";
import { normalise } from "../../src/normalise";
import { Synth } from "../../src/replay/synth";
import { Keys } from "../../src/keys";
import { keysOf } from "../../src/windows/keyset";
import { deleteTopics, eventually, isolatedConfig, kafkaClient, pipelineFile } from "../helpers/env";
import { freePorts, privateRedis, type PrivateRedis } from "../helpers/private-services";

export const msg = (p: Post): Message => ({ key: p.id, value: JSON.stringify(p) });

/**
 * Publishes `messages` at `rate` per second (0 = as fast as the broker takes them) with an
 * idempotent producer: a send retried after a timeout on this loaded machine must not put a
 * second copy of its batch on the topic, or "every post counted exactly once" would count it.
 * Returns the count sent.
 */
export async function publishExactly(kafka: Kafka, topic: string, messages: readonly Message[], rate = 0) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const size = rate > 0 ? Math.max(1, Math.min(1000, Math.ceil(rate / 10))) : 1000;
  const t0 = Date.now();
  let sent = 0;
  try {
    for (let i = 0; i < messages.length; i += size) {
      const batch = messages.slice(i, i + size);
      await producer.send({ topic, acks: -1, messages: batch });
      sent += batch.length;
      const due = rate > 0 ? t0 + (sent / rate) * 1000 : 0;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

/** Messages the worker group has committed on the posts topic (the offsets it acknowledged). */
export async function committedPosts(kafka: Kafka, cfg: Config): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({
      groupId: cfg.pipeline.kafka.groupId,
      topics: [cfg.pipeline.kafka.topics.posts],
    });
    return (topic?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the worker group has committed every message on the posts topic. A worker commits a
 * step's offsets only after its effects are in Redis, so from then on nothing is left to
 * re-deliver: no duplicate can still be on its way, and exact counts can be asserted.
 */
export async function allPostsCommitted(kafka: Kafka, cfg: Config, waitMs = 60_000): Promise<void> {
  const total = await topicSize(kafka, cfg.pipeline.kafka.topics.posts);
  await eventually(
    "every message on the posts topic committed",
    () => committedPosts(kafka, cfg),
    (n) => n >= total,
    waitMs,
  );
}

/** Messages on a topic (the sum of its partitions' end offsets). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Background posts at `rate` per second of event time from `startMs`, each carrying hashtag `id<n>`. */
export function background(count: number, o: { seed: number; startMs: number; rate: number; idPrefix: string }) {
  const synth = new Synth({ seed: o.seed, authors: 1000, zhShare: 0.5, startMs: o.startMs, ratePerSec: o.rate });
  return Array.from({ length: count }, () => {
    const p = synth.post();
    const id = `${o.idPrefix}${p.id}`;
    return { ...p, id, hashtags: [...(p.hashtags ?? []), id] };
  });
}

/**
 * Window keys whose totals a replay fixes exactly: hashtags, URLs, domains and mentions, each
 * post counted once under each. (Exact when every post counts under every key it has: the tests
 * run with windows.sampleUnflagged = 1 and promoteMinPosts = 1. Authors and text clusters get
 * full windows only once flagged or watched, so their totals depend on detection.)
 */
export function expectedKeyCounts(keys: Keys, posts: readonly Post[]): Map<string, number> {
  const want = new Map<string, number>();
  for (const p of posts)
    for (const k of keysOf(p, normalise(p.text)))
      if (k.kind !== "author" && k.kind !== "cluster") {
        const tag = keys.tag(k.kind, k.value);
        want.set(tag, (want.get(tag) ?? 0) + 1);
      }
  return want;
}

/**
 * Every key matching `pattern`, once. SCAN may return a key more than once (while Redis rehashes
 * its table, which the shared Redis does all the time), so summing what it returns over-counts.
 */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const all = new Set<string>();
  for await (const keys of scanPages(redis, pattern)) for (const k of keys) all.add(k);
  return [...all];
}

/** `field` summed over the given hashes. */
async function sumField(redis: RedisClient, keys: readonly string[], field: string): Promise<number[]> {
  const pipe = batch(redis);
  for (const k of keys) pipe.hget(k, field);
  return ((await pipe.exec()) ?? []).map(([, v]) => Number(v ?? 0));
}

/** The stream's total posts under the config's prefix (every bucket, each once). */
export async function streamPosts(redis: RedisClient, cfg: Config): Promise<number> {
  const keys = await scanKeys(redis, `${cfg.pipeline.redis.prefix}:{stream:all}:b:*`);
  return (await sumField(redis, keys, "posts")).reduce((a, b) => a + b, 0);
}

/** `posts` of every hashtag / url / domain / mention key under the prefix, summed over its buckets. */
export async function actualKeyCounts(redis: RedisClient, prefix: string): Promise<Map<string, number>> {
  const got = new Map<string, number>();
  for (const kind of ["hashtag", "url", "domain", "mention"]) {
    const keys = await scanKeys(redis, `${prefix}:{${kind}:*}:b:*`);
    const posts = await sumField(redis, keys, "posts");
    keys.forEach((k, i) => {
      const tag = k.slice(prefix.length + 1, k.lastIndexOf(":b:"));
      got.set(tag, (got.get(tag) ?? 0) + (posts[i] ?? 0));
    });
  }
  return got;
}

/** Keys whose totals differ (want, got), at most `limit` of them; empty when all match. */
export function keyCountDiff(want: Map<string, number>, got: Map<string, number>, limit = 10) {
  const diff: { tag: string; want: number; got: number }[] = [];
  for (const tag of new Set([...want.keys(), ...got.keys()])) {
    const w = want.get(tag) ?? 0;
    const g = got.get(tag) ?? 0;
    if (w !== g) diff.push({ tag, want: w, got: g });
  }
  return { count: diff.length, first: diff.slice(0, limit) };
}

export { POISON_KINDS, REASON, poison, poisonKindOf, type PoisonKind } from "../../src/replay/poison";

export interface TopicMessage {
  key: string;
  value: string;
  /** Dead-letter headers (empty elsewhere). */
  reason: string;
  partition: string;
  offset: string;
}

/** Every message on a topic up to its end when called. */
export async function readTopic(kafka: Kafka, topic: string): Promise<TopicMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const high = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const want = [...high.values()].reduce((a, b) => a + b, 0);
  const out: TopicMessage[] = [];
  if (want === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<number, number>();
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const h = (name: string) => m.headers?.[name]?.toString() ?? "";
          out.push({
            key: m.key?.toString() ?? "",
            value: m.value?.toString() ?? "",
            reason: h("reason"),
            partition: h("source-partition"),
            offset: h("source-offset"),
          });
          seen.set(batch.partition, Number(m.offset) + 1);
        }
        if ([...high].every(([p, h]) => (seen.get(p) ?? 0) >= h)) resolve();
      },
    });
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
  await consumer.disconnect();
  return out;
}

// ---------------------------------------------------------------------------------------------
// A worker process (`modstream run`), its log and its health endpoint.

export interface WorkerProcess {
  child: ChildProcess;
  /** Its stderr: pino JSON lines at LOG_LEVEL=warn and above, plus kafkajs's. */
  logFile: string;
}

export function spawnWorker(cfg: Config, env: Record<string, string> = {}): WorkerProcess {
  const logFile = join(tmpdir(), `modstream-${cfg.pipeline.redis.prefix}-worker.log`);
  const out = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, ["bin/modstream.js", "run"], {
    env: { ...process.env, MODSTREAM_PIPELINE: pipelineFile(cfg), LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.pipe(out);
  return { child, logFile };
}

/** Removes the files spawnWorker leaves behind: the pipeline file and the worker log. */
export function removeWorkerFiles(cfg: Config): void {
  for (const suffix of [".yaml", "-worker.log"])
    rmSync(join(tmpdir(), `modstream-${cfg.pipeline.redis.prefix}${suffix}`), { force: true });
}

export async function killHard(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once("exit", r));
  w.child.kill("SIGKILL");
  await exited;
}

/** SIGTERM and the exit code. */
export async function stopWorker(w: WorkerProcess): Promise<number | null> {
  if (w.child.exitCode !== null) return w.child.exitCode;
  const exited = new Promise<number | null>((r) => w.child.once("exit", (code) => r(code)));
  w.child.kill("SIGTERM");
  return exited;
}

/** The worker's log lines (JSON) with the given message. */
export function logLines(w: WorkerProcess, message: string): Record<string, unknown>[] {
  return readFileSync(w.logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes(message))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** GET /healthz, or undefined when nothing answers. */
export async function health(port: number): Promise<(HealthReport & { http: number }) | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return { ...((await res.json()) as HealthReport), http: res.status };
  } catch {
    return undefined;
  }
}

/** Polls /healthz every 250 ms and keeps what it saw, for assertions about the outage. */
export function watchHealth(port: number) {
  /** The worker's state at some moment between `asked` and `at` (when the answer arrived). */
  const seen: { asked: number; at: number; report: (HealthReport & { http: number }) | undefined }[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const asked = Date.now();
      const report = await health(port);
      seen.push({ asked, at: Date.now(), report });
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    seen,
    latest: () => seen[seen.length - 1]?.report,
    async stop() {
      on = false;
      await loop;
    },
  };
}

export function incidents(redis: RedisClient, cfg: Config): IncidentService {
  return new IncidentService({
    redis,
    keys: new Keys(cfg.pipeline.redis.prefix),
    pipeline: cfg.pipeline,
    events: new Events(),
  });
}

/** Test settings shared by the fault tests: every post counted under every key (exact per-key totals). */
export function exactWindows(p: Config["pipeline"]): Config["pipeline"] {
  return { ...p, windows: { ...p.windows, sampleUnflagged: 1, promoteMinPosts: 1 } };
}

/** Starts a worker and waits until its /healthz says up. */
export async function spawnHealthyWorker(
  cfg: Config,
  healthPort: number,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const w = spawnWorker(cfg, env);
  await eventually(
    "worker healthy",
    () => health(healthPort),
    (h) => h?.status === "up",
    60_000,
  );
  return w;
}

/**
 * Waits until the stream total reaches every published post and the worker group has committed
 * the whole topic (so no re-delivery is left to come), then checks the stream total and every
 * key's total exactly.
 */
export async function expectCountedExactly(
  redis: RedisClient,
  cfg: Config,
  posts: readonly Post[],
  o: { waitMs?: number } = {},
): Promise<void> {
  await eventually(
    "every post counted",
    () => streamPosts(redis, cfg),
    (n) => n >= posts.length,
    o.waitMs ?? 90_000,
  );
  await allPostsCommitted(kafkaClient(cfg), cfg, o.waitMs ?? 90_000);
  expect(await streamPosts(redis, cfg)).toBe(posts.length);
  const keys = new Keys(cfg.pipeline.redis.prefix);
  const diff = keyCountDiff(expectedKeyCounts(keys, posts), await actualKeyCounts(redis, cfg.pipeline.redis.prefix));
  expect(diff, "per-key totals").toEqual({ count: 0, first: [] });
}

/** Waits until the worker has counted at least `n` posts: the fault lands mid-replay, not before it. */
export async function progressBefore(fault: string, redis: RedisClient, cfg: Config, n = 3000): Promise<void> {
  await eventually(
    `progress before the ${fault}`,
    () => streamPosts(redis, cfg),
    (c) => c >= n,
    60_000,
  );
}

/** A private Redis (AOF on) for a test that breaks it, a worker config for it, and a client of it. */
export interface RedisFaultRig {
  server: PrivateRedis;
  cfg: Config;
  redis: Redis;
  /** The worker's /healthz port (src/worker/run.ts serves it on the metrics port + 1). */
  healthPort: number;
  /** Kills the worker if still running, and removes everything the test made. */
  destroy(worker?: WorkerProcess): Promise<void>;
}

export async function redisFaultRig(
  name: string,
  tweak: (p: Config["pipeline"]) => Config["pipeline"] = (p) => p,
): Promise<RedisFaultRig> {
  const server = await privateRedis();
  await server.start();
  const [metricsPort, healthPort] = (await freePorts(2)) as [number, number];
  // /metrics on a free port, so /healthz is served next to it, on loopback.
  const cfg = isolatedConfig(name, (p) =>
    exactWindows(tweak({ ...p, metrics: { host: "127.0.0.1", port: metricsPort } })),
  );
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  return {
    server,
    cfg,
    redis,
    healthPort,
    async destroy(worker) {
      server.resume();
      if (worker) await killHard(worker);
      removeWorkerFiles(cfg);
      redis.disconnect();
      await server.destroy();
      await deleteTopics(cfg);
    },
  };
}
