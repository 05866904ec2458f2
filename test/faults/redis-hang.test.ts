// Redis hangs (SIGSTOP of a private redis-server) in the middle of a replay, for longer than the
// Kafka session timeout, then carries on (SIGCONT). A hung Redis is not a crashed one: its port
// still accepts connections and commands, and nothing answers. The worker must notice (degraded
// on /healthz with Redis named), stay in its consumer group, not pile up work, and recover by
// itself once Redis answers: every post counted exactly, a technical incident about Redis opened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Post } from "../../src/domain";
import { eventually, kafkaClient } from "../helpers/env";
import {
  background,
  expectCountedExactly,
  incidents,
  logLines,
  msg,
  progressBefore,
  publishExactly,
  redisFaultRig,
  type RedisFaultRig,
  spawnHealthyWorker,
  stopWorker,
  topicSize,
  watchHealth,
  type WorkerProcess,
} from "./support";

const N = 12_000;
const RATE = 1000;
/** Kafka's session timeout for the worker's group: the hang outlasts it. */
const SESSION_TIMEOUT_MS = 8000;
/** How long Redis hangs. */
const HANG_MS = 14_000;

let rig: RedisFaultRig;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  rig = await redisFaultRig("redishang", (p) => ({
    ...p,
    kafka: { ...p.kafka, sessionTimeoutMs: SESSION_TIMEOUT_MS },
  }));
});

afterAll(async () => {
  await rig?.destroy(worker);
});

describe("Redis hangs", () => {
  it("stays in its group, reports itself degraded, and recovers with every post counted once Redis answers", async () => {
    const { server, cfg, redis, healthPort } = rig;
    worker = await spawnHealthyWorker(cfg, healthPort, { REDIS_URL: server.url, REDIS_CLUSTER_NODES: "" });

    const t0 = Date.now();
    const posts: Post[] = background(N, { seed: 21, startMs: t0, rate: RATE, idPrefix: "h" });
    const topic = cfg.pipeline.kafka.topics.posts;
    const replay = publishExactly(kafkaClient(cfg), topic, posts.map(msg), RATE);
    await progressBefore("hang", redis, cfg);

    const watch = watchHealth(healthPort);
    const pausedAt = Date.now();
    server.pause();
    await new Promise((r) => setTimeout(r, HANG_MS));
    const resumedAt = Date.now();
    server.resume();
    await eventually(
      "healthy again",
      async () => watch.latest()?.status,
      (s) => s === "up",
      60_000,
    );
    const recoveredAt = Date.now();
    await watch.stop();

    expect(await replay).toBe(N);
    expect(await topicSize(kafkaClient(cfg), topic)).toBe(N);
    await expectCountedExactly(redis, cfg, posts);

    // Degraded while Redis hung: HTTP 503, Redis named. The health probe gives up after 2 s.
    const hung = watch.seen.filter((s) => s.asked > pausedAt + 3000 && s.at < resumedAt);
    expect(hung.length).toBeGreaterThan(0);
    for (const s of hung) {
      expect(s.report?.http).toBe(503);
      expect(s.report?.failing).toContain("redis");
    }

    // The steps gave up on Redis and retried, rather than waiting on it for the whole hang.
    const retries = logLines(worker, "pipeline step failed; retrying").filter(
      (l) => Number(l.time) > pausedAt && Number(l.time) < resumedAt,
    );
    expect(retries.length, "step retries during the hang").toBeGreaterThan(0);
    // The worker kept its place in the group: the coordinator never timed its session out (before
    // the fix, a step waited on Redis for the whole hang without a heartbeat, and kafkajs then
    // logged "The coordinator is not aware of this member" and rejoined).
    expect(logLines(worker, "not aware of this member"), "session timed out").toEqual([]);

    const service = incidents(redis, cfg);
    const technical = await eventually(
      "a technical incident about Redis",
      () => service.list({ type: "technical" }),
      (l) => l.some((i) => i.key === "redis"),
      30_000,
    );
    expect(technical.find((i) => i.key === "redis")).toMatchObject({ grade: 4, source: "technical" });

    console.info(
      `[faults] Redis hung ${((resumedAt - pausedAt) / 1000).toFixed(1)}s: /healthz 503 with redis failing ` +
        `(${hung.length} samples), up again ${((recoveredAt - resumedAt) / 1000).toFixed(1)}s after it answered; ` +
        `${retries.length} step retries during the hang; ${N} posts counted exactly`,
    );
    expect(await stopWorker(worker)).toBe(0);
  });
});
