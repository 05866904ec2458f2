// Two workers in one consumer group split the partitions and together count everything once;
// a whole re-delivery (a new group over the same topic) and a crash mid-batch count nothing twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { KafkaMessage } from "kafkajs";
import { eventTimeBounds } from "../../src/config";
import { Events } from "../../src/events";
import { startWorker, type Worker } from "../../src/worker/main";
import { normalise } from "../../src/normalise";
import { Pipeline } from "../../src/worker/pipeline";
import { publish, postMessages } from "../../src/replay/producer";
import { DeadLetter } from "../../src/source/deadletter";
import { BatchAggregate } from "../../src/windows/aggregate";
import { Keys } from "../../src/keys";
import { RedisWindowStore } from "../../src/windows/store";
import { EVIDENCE_FROM_FIRST } from "../helpers/pipeline";
import {
  cleanRedis,
  deleteTopics,
  eventually,
  isolatedConfig,
  kafkaClient,
  log,
  post,
  redisClient,
  streamTotal,
} from "../helpers/env";

const cfg = isolatedConfig("group");
const N = 8000;
let redis: RedisClient;
const workers: Worker[] = [];

beforeAll(() => {
  redis = redisClient(cfg);
});

afterAll(async () => {
  for (const w of workers) await w.close();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

async function groupMembers(groupId: string): Promise<number> {
  const admin = kafkaClient(cfg).admin();
  await admin.connect();
  const { groups } = await admin.describeGroups([groupId]);
  await admin.disconnect();
  const g = groups[0];
  return g?.state === "Stable" ? g.members.length : 0;
}

describe("consumer group", () => {
  it("two workers split the partitions and together process everything", async () => {
    const seen = [new Set<number>(), new Set<number>()];
    for (const i of [0, 1]) {
      const events = new Events();
      events.on("batch", (b) => {
        if (b.topic === cfg.pipeline.kafka.topics.posts) seen[i]?.add(b.partition);
      });
      workers.push(await startWorker(cfg, log, { normalise, events }));
    }
    await eventually(
      "both members in a stable group",
      () => groupMembers(cfg.pipeline.kafka.groupId),
      (n) => n === 2,
    );
    const posts = Array.from({ length: N }, (_, i) => post(`g${i}`));
    await publish(postMessages(posts), { kafka: kafkaClient(cfg), topic: cfg.pipeline.kafka.topics.posts, rate: 0 });
    await eventually(
      "all posts counted",
      () => streamTotal(redis, cfg),
      (n) => n >= N,
    );
    expect(await streamTotal(redis, cfg)).toBe(N);
    const [a, b] = seen as [Set<number>, Set<number>];
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    expect([...a].filter((p) => b.has(p))).toEqual([]);
    expect(new Set([...a, ...b]).size).toBe(cfg.pipeline.kafka.partitions);
  });

  it("a full re-delivery to another group counts nothing twice", async () => {
    const events = new Events();
    let skipped = 0;
    events.on("replaySkipped", (s) => (skipped += s.messages));
    const replayCfg = {
      ...cfg,
      pipeline: { ...cfg.pipeline, kafka: { ...cfg.pipeline.kafka, groupId: `${cfg.pipeline.kafka.groupId}-replay` } },
    };
    workers.push(await startWorker(replayCfg, log, { normalise, events }));
    await eventually(
      "whole topic re-delivered and skipped",
      async () => skipped,
      (n) => n >= N,
    );
    expect(await streamTotal(redis, cfg)).toBe(N);
  });
});

describe("crash between bucket updates and the partition mark", () => {
  it("a re-delivered batch with other boundaries is counted exactly once", async () => {
    const topic = "recovery";
    const keys = new Keys(`${cfg.pipeline.redis.prefix}:rec`);
    const events = new Events();
    const windows = new RedisWindowStore({ redis, keys, retentionSeconds: 600, bookkeepingTtlSeconds: 600, events });
    const producer = kafkaClient(cfg).producer();
    await producer.connect();
    const pipeline = new Pipeline({
      topics: { posts: topic, reports: "none" },
      limits: cfg.pipeline.limits,
      eventTime: eventTimeBounds(cfg.pipeline),
      bucketSeconds: 10,
      keyWindows: {
        enabled: true,
        promoteMinPosts: 2,
        hotRefreshMs: 2000,
        newAccountDays: 7,
        sampleUnflagged: 4,
        heavyHitters: 4096,
        evidenceMinFlagged: EVIDENCE_FROM_FIRST,
      },
      deadLetter: new DeadLetter(producer, cfg.pipeline.kafka.topics.deadLetter, events),
      windows,
      keys,
      normalise,
      events,
    });
    const t0 = Math.floor(Date.now() / 10_000) * 10_000;
    // Offsets 0..149; posts 50..74 fall in one bucket, 75..99 in the next.
    const msgs: KafkaMessage[] = Array.from({ length: 150 }, (_, off) => ({
      offset: String(off),
      key: null,
      value: Buffer.from(
        JSON.stringify(post(`r${off}`, { createdAt: new Date(t0 + (off >= 75 ? 10_000 : 0)).toISOString() })),
      ),
      timestamp: String(Date.now()),
      attributes: 0,
      headers: {},
    }));
    await pipeline.handleStep({ topic, partition: 0, messages: msgs.slice(0, 50) });

    // The crashed attempt at 50..99: in-flight mark written, first bucket applied, then death.
    await windows.beginBatch(topic, 0, 99);
    const partial = new BatchAggregate(10_000);
    for (let off = 50; off < 75; off++) partial.add(keys.tag("stream", "all"), t0, off, { posts: 1 }, "x");
    await windows.applyBuckets(topic, 0, 99, partial.updates());

    // Kafka re-delivers from the last commit (50) with a longer batch.
    await pipeline.handleStep({ topic, partition: 0, messages: msgs.slice(50, 150) });
    await producer.disconnect();
    const total = await windows.sumCounter(keys.tag("stream", "all"), "posts", t0 / 1000, t0 / 1000 + 20, 10);
    expect(total).toBe(150);
  });
});
