// SIGKILL the worker in the middle of a replay, twice, and restart it: every post is counted,
// none twice, and the committed Kafka offsets never pass what Redis already holds.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import { publish, postMessages } from "../../src/replay/producer";
import { Synth } from "../../src/replay/synth";
import { Keys } from "../../src/keys";
import {
  cleanRedis,
  deleteTopics,
  eventually,
  isolatedConfig,
  kafkaClient,
  pipelineFile,
  redisClient,
  streamTotal,
} from "../helpers/env";

// A short session timeout lets the group notice the killed member quickly.
const cfg = isolatedConfig("crash", (p) => ({
  ...p,
  kafka: { ...p.kafka, maxBatchMessages: 500, sessionTimeoutMs: 7000 },
}));
const N = 30_000;
let redis: RedisClient;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["bin/modstream.js", "run"], {
    env: { ...process.env, MODSTREAM_PIPELINE: pipelineFile(cfg), LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** Committed offset (next to read) must never be past the last offset whose effects are in Redis. */
async function expectCommitsBehindRedis(): Promise<void> {
  const admin = kafkaClient(cfg).admin();
  await admin.connect();
  const [committed] = await admin.fetchOffsets({
    groupId: cfg.pipeline.kafka.groupId,
    topics: [cfg.pipeline.kafka.topics.posts],
  });
  await admin.disconnect();
  const keys = new Keys(cfg.pipeline.redis.prefix);
  for (const { partition, offset } of committed?.partitions ?? []) {
    if (Number(offset) < 0) continue;
    const applied = Number(
      (await redis.hget(keys.partitionMark(cfg.pipeline.kafka.topics.posts, partition), "applied")) ?? -1,
    );
    expect(Number(offset) - 1, `partition ${partition}`).toBeLessThanOrEqual(applied);
  }
}

beforeAll(() => {
  redis = redisClient(cfg);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("worker crash", () => {
  it("loses nothing and counts nothing twice across SIGKILLs", async () => {
    let worker = startWorkerProcess();
    const synth = new Synth({ seed: 3, authors: 1000, zhShare: 0.5, startMs: Date.now(), ratePerSec: 5000 });
    const replay = publish(postMessages(Array.from({ length: N }, () => synth.post())), {
      kafka: kafkaClient(cfg),
      topic: cfg.pipeline.kafka.topics.posts,
      rate: 6000,
    });
    for (const threshold of [3000, 12_000]) {
      await eventually(
        "progress before the kill",
        () => streamTotal(redis, cfg),
        (n) => n >= threshold,
        90_000,
      );
      await killHard(worker);
      await expectCommitsBehindRedis();
      worker = startWorkerProcess();
    }
    expect(await replay).toBe(N);
    await eventually(
      "every post counted",
      () => streamTotal(redis, cfg),
      (n) => n >= N,
      120_000,
    );
    // Give a duplicate (if any) the chance to show up before asserting exactness.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await streamTotal(redis, cfg)).toBe(N);
    await expectCommitsBehindRedis();
    const exited = new Promise((r) => worker.once("exit", r));
    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
