// SIGTERM stops a worker process running every stage and extension (windows, detector,
// incidents, review queue, metrics, /healthz) cleanly: exit code 0, within a bound, with what it
// acknowledged to Kafka counted in Redis, and nothing lost or counted twice once a new worker
// carries on.
//
// The moment that used to hang: a worker that has run for a while with many open incidents. The
// incidents stage ticks every tickMs, and each tick re-grades every live incident; once a tick
// took longer than tickMs, the next ones queued up behind it without bound, and close() waited for
// the whole queue (a 30-minute soak never finished stopping). Here a few hundred open incidents
// and a 100 ms tick make a tick slower than the interval within seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Config } from "../../src/config";
import type { Post, Spike } from "../../src/domain";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, kafkaClient, redisClient } from "../helpers/env";
import { freePorts } from "../helpers/private-services";
import {
  committedPosts,
  background,
  exactWindows,
  health,
  incidents,
  killHard,
  logLines,
  msg,
  publishExactly,
  removeWorkerFiles,
  spawnWorker,
  stopWorker,
  streamPosts,
  type WorkerProcess,
} from "./support";

const N = 24_000;
const RATE = 1000;
/** Live spike incidents in Redis before the worker starts: the incidents stage re-grades each one every tick. */
const OPEN_INCIDENTS = 400;
/** SIGTERM to exit. A clean stop waits for the step and the ticks in progress: a few seconds. */
const STOP_WITHIN_MS = 15_000;

let cfg: Config;
let redis: RedisClient;
let healthPort: number;
const workers: WorkerProcess[] = [];

function start(): WorkerProcess {
  // Info: the test waits for start-up lines and checks for "worker stopped".
  const w = spawnWorker(cfg, { LOG_LEVEL: "info" });
  workers.push(w);
  return w;
}

/** The log lines of this worker process (every worker of the file shares one log). */
const linesOf = (w: WorkerProcess, message: string) => logLines(w, message).filter((l) => l.pid === w.child.pid);

/** SIGTERM; the exit code and how long the process took to end. */
async function timedStop(w: WorkerProcess): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const bound = new Promise<"still running">((r) => setTimeout(() => r("still running"), STOP_WITHIN_MS + 45_000));
  const code = await Promise.race([stopWorker(w), bound]);
  const ms = Date.now() - t0;
  if (code === "still running") {
    await killHard(w);
    throw new Error(`worker still running ${ms} ms after SIGTERM`);
  }
  return { code, ms };
}

beforeAll(async () => {
  const [metricsPort] = (await freePorts(2)) as [number, number];
  healthPort = metricsPort + 1; // src/worker/run.ts: /healthz is served next to /metrics
  cfg = isolatedConfig("sigterm", (p) =>
    exactWindows({
      ...p,
      kafka: { ...p.kafka, maxBatchMessages: 500 },
      detect: { ...p.detect, tickMs: 250 },
      incidents: p.incidents && { ...p.incidents, tickMs: 100 },
      metrics: { host: "127.0.0.1", port: metricsPort },
    }),
  );
  expect(cfg.pipeline.incidents?.enabled).toBe(true);
  redis = redisClient(cfg);
});

afterAll(async () => {
  for (const w of workers) await killHard(w);
  if (!cfg) return;
  removeWorkerFiles(cfg);
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("SIGTERM", () => {
  it("while the worker is still starting: it starts, then stops cleanly", async () => {
    const w = start();
    // The scorer loads first (src/worker/run.ts), then the worker connects to Kafka and Redis.
    await eventually(
      "the worker loads its models",
      async () => {
        try {
          return linesOf(w, "models loaded").length + linesOf(w, "no trained models").length;
        } catch {
          return 0; // no log file yet
        }
      },
      (n) => n > 0,
      60_000,
    );
    const { code, ms } = await timedStop(w);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_WITHIN_MS + 30_000); // start-up included
    expect(linesOf(w, "worker stopped")).toHaveLength(1);
  });

  it("after a busy run with many open incidents: exits 0 promptly, acknowledged posts counted", async () => {
    // Open incidents, as a long run accumulates them (a soak opens hundreds in minutes).
    const service = incidents(redis, cfg);
    const now = Date.now();
    for (let i = 0; i < OPEN_INCIDENTS; i++) {
      const spike: Spike = {
        type: "rumour",
        category: "rumour",
        kind: "hashtag",
        key: `sigterm${i}`,
        evidence: 8,
        flagged: 30,
        posts: 40,
        authors: 12,
        expected: 1,
        reason: "test",
        windowStart: now - 60_000,
        detectedAt: now,
      };
      await service.applySpike(spike, `sigterm-${i}`);
    }
    expect((await service.list({ live: true, limit: OPEN_INCIDENTS })).length).toBe(OPEN_INCIDENTS);

    const posts: Post[] = background(N, { seed: 9, startMs: now, rate: RATE, idPrefix: "s" });
    const topic = cfg.pipeline.kafka.topics.posts;
    let w = start();
    const replay = publishExactly(kafkaClient(cfg), topic, posts.map(msg), RATE);
    // Mid-replay, a step in progress, every extension ticking (and the incidents ticks slower
    // than their interval for several seconds by now).
    await eventually(
      "posts counted",
      () => streamPosts(redis, cfg),
      (n) => n >= N / 4,
      90_000,
    );
    expect((await health(healthPort))?.http).toBe(200);
    const { code, ms } = await timedStop(w);
    const steps = linesOf(w, "worker close step done").map((l) => `${String(l.step)} ${String(l.ms)} ms`);
    console.info(`[faults] SIGTERM mid-replay: exit ${code} after ${ms} ms (${steps.join(", ")})`);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_WITHIN_MS);
    expect(linesOf(w, "worker stopped")).toHaveLength(1);
    expect(linesOf(w, "close step did not finish")).toEqual([]);
    // What it acknowledged is counted (offsets are committed only after a step's effects are durable).
    const counted = await streamPosts(redis, cfg);
    const committed = await committedPosts(kafkaClient(cfg), cfg);
    expect(committed).toBeGreaterThan(0);
    expect(counted).toBeGreaterThanOrEqual(committed);
    expect(counted).toBeLessThan(N);

    // The next worker carries on from there: every post counted exactly once, and it too stops cleanly.
    w = start();
    expect(await replay).toBe(N);
    await eventually(
      "every post counted",
      () => streamPosts(redis, cfg),
      (n) => n >= N,
      90_000,
    );
    const again = await timedStop(w);
    expect(again.code).toBe(0);
    expect(again.ms).toBeLessThan(STOP_WITHIN_MS);
    expect(await streamPosts(redis, cfg)).toBe(N);
    expect(await committedPosts(kafkaClient(cfg), cfg)).toBe(N);
  });
});
