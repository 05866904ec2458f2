// Window arithmetic against the real Redis: bucket boundaries, candidate sets, expiry, replay
// idempotence, and the detector over what the pipeline wrote.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Producer } from "kafkajs";
import { Detector } from "../../src/worker/detector";
import { WindowReader } from "../../src/windows/reader";
import { cleanRedis, deleteTopics, isolatedConfig, kafkaClient, log, post, redisClient } from "../helpers/env";
import { candidateShard } from "../../src/keys";
import { scanKeys } from "../../src/redis/client";
import { markerScorer, messages, testPipeline } from "../helpers/pipeline";

const cfg = isolatedConfig("windows");
let redis: RedisClient;
let producer: Producer;

beforeAll(async () => {
  redis = redisClient(cfg);
  producer = kafkaClient(cfg).producer();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

const T0 = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe("windows in Redis", () => {
  it("splits counts at bucket boundaries and tallies candidates per bucket", async () => {
    const { pipeline, keys, windows } = testPipeline(
      cfg,
      redis,
      producer,
      markerScorer,
      `${cfg.pipeline.redis.prefix}:b`,
    );
    const posts = [
      post("b1", { createdAt: at(9_999), hashtags: ["Flood"] }),
      post("b2", { createdAt: at(10_000), hashtags: ["flood"], text: "ABUSE aimed at someone" }),
      post("b3", { createdAt: at(19_999), hashtags: ["FLOOD"] }),
    ];
    await pipeline.handleStep({ topic: "t", partition: 0, messages: messages(posts) });
    const tag = keys.tag("hashtag", "flood");
    const s = T0 / 1000;
    // A key seen once in a step, unflagged, lives only in the candidate set (the long tail) ...
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s, candidateShard("flood")), "flood")).toBe("1");
    expect(await windows.sumCounter(tag, "posts", s, s + 10, 10)).toBe(0);
    // ... while a key seen twice, or flagged, gets full counters and distinct authors.
    expect(await windows.sumCounter(tag, "posts", s + 10, s + 20, 10)).toBe(2);
    expect(await windows.sumCounter(tag, "flagged:abuse", s, s + 20, 10)).toBe(1);
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s + 10, candidateShard("flood")), "flood")).toBe("2");
    expect(await redis.zscore(keys.candidates("hashtag", "abuse", s + 10, candidateShard("flood")), "flood")).toBe("1");
    expect(await redis.pfcount(keys.authors(tag, s + 10))).toBe(2);
  });

  it("gives every key it writes an expiry", async () => {
    const ttl = cfg.pipeline.windows.retentionSeconds;
    let seen = 0;
    for await (const batch of scanKeys(redis, `${cfg.pipeline.redis.prefix}:b:*`))
      for (const k of batch) {
        const t = await redis.ttl(k);
        expect(t, k).toBeGreaterThan(0);
        expect(t, k).toBeLessThanOrEqual(Math.max(ttl, 600));
        seen++;
      }
    expect(seen).toBeGreaterThan(5);
  });

  it("a batch replayed after a crash counts once and cannot fake a spike", async () => {
    const prefix = `${cfg.pipeline.redis.prefix}:r`;
    const { pipeline, windows, keys, events } = testPipeline(cfg, redis, producer, markerScorer, prefix);
    const now = Date.now();
    // Six flagged copies from six authors: under the rumour minimum (8); twelve would pass it.
    const copies = Array.from({ length: 6 }, (_, i) =>
      post(`c${i}`, {
        createdAt: new Date(now - 1000).toISOString(),
        text: `RUMOUR the dam upstream has burst, evacuate now ${i}`,
      }),
    );
    // Ordinary traffic around them, so the stream's rumour share is realistic.
    const background = Array.from({ length: 300 }, (_, i) =>
      post(`bg${i}`, { createdAt: new Date(now - 30_000).toISOString() }),
    );
    await pipeline.handleStep({ topic: "t", partition: 1, messages: messages(background) });
    const step = { topic: "t", partition: 0, messages: messages(copies, 100) };
    await pipeline.handleStep(step);
    // Crash after the bucket updates but before the partition mark: re-deliver the same step.
    await redis.hset(keys.partitionMark("t", 0), "applied", 99);
    await pipeline.handleStep(step);
    expect(await windows.sumCounter(keys.tag("stream", "all"), "posts", now / 1000 - 60, now / 1000 + 10, 10)).toBe(
      6 + 300,
    );

    const detector = new Detector({ reader: new WindowReader(redis, keys), keys, config: cfg.pipeline, events, log });
    expect(await detector.tick()).toEqual([]);

    // Six more copies from new authors: now it is a spike, recorded once however often it is seen.
    const more = copies.map((p, i) => ({ ...p, id: `d${i}`, author: { ...p.author, id: `other${i}` } }));
    await pipeline.handleStep({ topic: "t", partition: 0, messages: messages(more, 106) });
    const spikes = await detector.tick();
    expect(spikes.map((s) => [s.type, s.kind])).toContainEqual(["rumour", "cluster"]);
    await detector.tick();
    const recorded = await new WindowReader(redis, keys).readSpikes();
    const rumourClusters = recorded.filter((r) => r.spike.type === "rumour" && r.spike.kind === "cluster");
    expect(new Set(rumourClusters.map((r) => r.spike.key)).size).toBe(rumourClusters.length);
    expect(rumourClusters[0]?.spike.flagged).toBe(12);
    expect(rumourClusters[0]?.spike.authors).toBe(12);
  });
});
