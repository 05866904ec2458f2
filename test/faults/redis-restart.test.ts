// Redis crashes (SIGKILL of a private redis-server with AOF on) in the middle of a replay and is
// started again on the same port and directory. The worker process retries its steps with
// back-off, reports itself degraded on /healthz while Redis is away, opens one technical incident
// about the outage once Redis answers again, and recovers by itself: every post counted exactly.
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
/** How long Redis stays down. */
const DOWN_MS = 8000;
/** src/source/consumer.ts: the wait before retry `attempt` of a failed step. */
const backoffMs = (attempt: number) => Math.min(200 * 2 ** attempt, 5000);

let rig: RedisFaultRig;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  rig = await redisFaultRig("redisfault");
});

afterAll(async () => {
  await rig?.destroy(worker);
});

describe("Redis restart", () => {
  it("backs off, reports itself degraded, opens a technical incident and recovers with every post counted", async () => {
    const { server, cfg, redis, healthPort } = rig;
    worker = await spawnHealthyWorker(cfg, healthPort, { REDIS_URL: server.url, REDIS_CLUSTER_NODES: "" });

    const t0 = Date.now();
    const posts: Post[] = background(N, { seed: 9, startMs: t0, rate: RATE, idPrefix: "r" });
    const topic = cfg.pipeline.kafka.topics.posts;
    const replay = publishExactly(kafkaClient(cfg), topic, posts.map(msg), RATE);
    await progressBefore("crash", redis, cfg);

    const watch = watchHealth(healthPort);
    const crashedAt = Date.now();
    await server.crash();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    // Redis may answer before start() returns (it waits for PING), so "down" ends when it is asked to start.
    const restartingAt = Date.now();
    await server.start();
    const restartedAt = Date.now();
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

    // Degraded while Redis was away: HTTP 503, Redis named, since about when it went.
    const down = watch.seen.filter((s) => s.asked > crashedAt + 2000 && s.at < restartingAt);
    expect(down.length).toBeGreaterThan(0);
    for (const s of down) {
      expect(s.report?.http).toBe(503);
      expect(s.report?.status).toBe("degraded");
      expect(s.report?.failing).toContain("redis");
    }
    const since = Date.parse(down[down.length - 1]!.report!.checks.redis.since);
    expect(Math.abs(since - crashedAt)).toBeLessThan(3000);

    // Back-off: each partition's retries wait at least the growing delay, never a tight loop.
    const retries = logLines(worker, "pipeline step failed; retrying").map((l) => ({
      at: Number(l.time),
      partition: Number(l.partition),
      attempt: Number(l.attempt),
    }));
    expect(retries.length).toBeGreaterThan(0);
    for (const p of new Set(retries.map((r) => r.partition))) {
      const mine = retries.filter((r) => r.partition === p).sort((a, b) => a.at - b.at);
      for (const [i, r] of mine.entries()) {
        const prev = mine[i - 1];
        if (prev && r.attempt === prev.attempt + 1)
          expect(r.at - prev.at).toBeGreaterThanOrEqual(backoffMs(prev.attempt));
      }
    }

    // One technical incident per failing signal (Redis unreachable; maybe step errors too), opened
    // once Redis took writes again.
    const service = incidents(redis, cfg);
    const technical = await eventually(
      "a technical incident about Redis",
      () => service.list({ type: "technical" }),
      (l) => l.some((i) => i.key === "redis"),
      30_000,
    );
    const opened = technical.find((i) => i.key === "redis")!;
    expect(opened).toMatchObject({ grade: 4, group: "on-call", source: "technical" });
    expect(opened.openedAt).toBeGreaterThanOrEqual(restartingAt);
    expect(new Set(technical.map((i) => i.key)).size).toBe(technical.length);
    for (const i of technical)
      expect(
        (await service.timeline(i.id)).filter((e) => e.kind === "opened"),
        i.id,
      ).toHaveLength(1);

    console.info(
      `[faults] Redis down ${((restartedAt - crashedAt) / 1000).toFixed(1)}s: /healthz 503 with redis failing ` +
        `(${down.length} samples), up again ${((recoveredAt - restartedAt) / 1000).toFixed(1)}s after the restart; ` +
        `${retries.length} step retries (max attempt ${Math.max(...retries.map((r) => r.attempt))}); technical ` +
        `incidents ${technical.map((i) => `${i.key} ${i.id}`).join(", ")}; ${N} posts counted exactly`,
    );
    expect(await stopWorker(worker)).toBe(0);
  });
});
