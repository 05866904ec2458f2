// The Kafka broker crashes (SIGKILL of a private KRaft broker) while the worker works through a
// backlog, and is started again on the same ports and data directory. The worker process keeps
// retrying with back-off, reports itself degraded on /healthz while the broker is away, opens a
// technical incident about it, and recovers by itself: every post of the replay counted exactly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Config } from "../../src/config";
import type { Post } from "../../src/domain";
import { createLogger } from "../../src/log";
import { createKafka, ensureTopics } from "../../src/source/kafka";
import { cleanRedis, eventually, isolatedConfig, kafkaClient, redisClient } from "../helpers/env";
import { freePorts, privateKafka, type PrivateKafka } from "../helpers/private-services";
import {
  background,
  exactWindows,
  expectCountedExactly,
  incidents,
  killHard,
  logLines,
  msg,
  progressBefore,
  publishExactly,
  removeWorkerFiles,
  spawnHealthyWorker,
  stopWorker,
  streamPosts,
  topicSize,
  watchHealth,
  type WorkerProcess,
} from "./support";

/** Published before the crash (a backlog the worker is still working through), and after. */
const BEFORE = 40_000;
const AFTER = 5000;
/**
 * How long the broker stays down before it is started again (its start adds ~10-20 s here).
 * Longer than the 3 s the health check may take to notice, so some samples fall in between.
 */
const DOWN_MS = 6000;
const SESSION_TIMEOUT_MS = 10_000;

let broker: PrivateKafka;
let cfg: Config;
let redis: RedisClient;
let healthPort: number;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  broker = await privateKafka();
  await broker.start();
  const [metricsPort, port] = (await freePorts(2)) as [number, number];
  healthPort = port;
  // The group waits out the session of the member the crash left behind (its LeaveGroup went to
  // a broker that was down), so recovery takes about one session timeout: 10 s here, not 30.
  const shared = isolatedConfig("kafkafault", (p) =>
    exactWindows({
      ...p,
      kafka: { ...p.kafka, sessionTimeoutMs: SESSION_TIMEOUT_MS },
      metrics: { host: "127.0.0.1", port: metricsPort },
    }),
  );
  // The test's own clients talk to the private broker too.
  cfg = { ...shared, kafkaBrokers: broker.brokers };
  redis = redisClient(cfg);
  await ensureTopics(createKafka(cfg, createLogger("fatal")), cfg);
}, 180_000);

afterAll(async () => {
  if (worker) await killHard(worker);
  if (cfg) removeWorkerFiles(cfg);
  await broker?.destroy();
  if (cfg) await cleanRedis(redis, cfg);
  redis?.disconnect();
});

describe("Kafka broker restart", () => {
  it("backs off, reports itself degraded, opens a technical incident and recovers with every post counted", async () => {
    worker = await spawnHealthyWorker(cfg, healthPort, { KAFKA_BROKERS: broker.brokers.join(",") });

    const t0 = Date.now();
    const posts: Post[] = background(BEFORE + AFTER, { seed: 13, startMs: t0, rate: 2000, idPrefix: "b" });
    const topic = cfg.pipeline.kafka.topics.posts;
    await publishExactly(kafkaClient(cfg), topic, posts.slice(0, BEFORE).map(msg));
    await progressBefore("crash", redis, cfg);

    const watch = watchHealth(healthPort);
    const crashedAt = Date.now();
    const countedAtCrash = await streamPosts(redis, cfg);
    await broker.crash();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    // The broker may answer before start() returns, so "down" ends when it is asked to start.
    const restartingAt = Date.now();
    await broker.start();
    const restartedAt = Date.now();
    await eventually(
      "healthy again",
      async () => watch.latest()?.status,
      (s) => s === "up",
      90_000,
    );
    const recoveredAt = Date.now();
    await watch.stop();

    // The platform goes on publishing once the broker is back.
    await publishExactly(kafkaClient(cfg), topic, posts.slice(BEFORE).map(msg));
    expect(await topicSize(kafkaClient(cfg), topic)).toBe(posts.length);
    await expectCountedExactly(redis, cfg, posts, { waitMs: 120_000 });
    // The crash hit the worker mid-backlog.
    expect(countedAtCrash).toBeLessThan(BEFORE);

    // Degraded while the broker was away: HTTP 503, Kafka named, since about when it went.
    const down = watch.seen.filter((s) => s.asked > crashedAt + 3000 && s.at < restartingAt);
    expect(down.length).toBeGreaterThan(0);
    for (const s of down) {
      expect(s.report?.http).toBe(503);
      expect(s.report?.failing).toContain("kafka");
    }
    const since = Date.parse(down[down.length - 1]!.report!.checks.kafka.since);
    expect(Math.abs(since - crashedAt)).toBeLessThan(4000);

    // Back-off: kafkajs reconnects after growing waits (its retry settings: src/source/kafka.ts), never in a tight loop.
    const retries = logLines(worker, "Failed to connect").map((l) => ({
      count: Number(l.retryCount),
      wait: Number(l.retryTime),
    }));
    expect(retries.length).toBeGreaterThan(0);
    const slowest = new Map<number, number>();
    for (const r of retries) slowest.set(r.count, Math.max(slowest.get(r.count) ?? 0, r.wait));
    const waits = [...slowest].sort(([a], [b]) => a - b).map(([, w]) => w);
    for (const [i, w] of waits.entries()) if (i > 0) expect(w).toBeGreaterThanOrEqual(waits[i - 1]!);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(2000);
    const crashes = logLines(worker, "Crash: ").length;

    // One technical incident about the broker, opened once.
    const service = incidents(redis, cfg);
    const technical = await eventually(
      "a technical incident about Kafka",
      () => service.list({ type: "technical" }),
      (l) => l.some((i) => i.key === "kafka"),
      30_000,
    );
    const opened = technical.find((i) => i.key === "kafka")!;
    expect(opened).toMatchObject({ grade: 4, group: "on-call", source: "technical" });
    expect(new Set(technical.map((i) => i.key)).size).toBe(technical.length);
    for (const i of technical)
      expect(
        (await service.timeline(i.id)).filter((e) => e.kind === "opened"),
        i.id,
      ).toHaveLength(1);

    console.info(
      `[faults] Kafka broker down ${((restartedAt - crashedAt) / 1000).toFixed(1)}s (crashed at ${countedAtCrash} ` +
        `of ${BEFORE} posts counted): /healthz 503 with kafka failing (${down.length} samples), up again ` +
        `${((recoveredAt - restartedAt) / 1000).toFixed(1)}s after the restart; ${crashes} consumer crash(es), ` +
        `${retries.length} reconnection attempts waiting ${waits.map((w) => Math.round(w)).join("/")} ms; technical incidents ${technical.map((i) => `${i.key} ${i.id}`).join(", ")}; ` +
        `${posts.length} posts counted exactly`,
    );
    expect(await stopWorker(worker)).toBe(0);
  }, 240_000);
});
