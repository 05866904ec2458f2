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
    const shard = candidateShard("flood");
    // A key seen three times in a step (once flagged) matters: full counters, distinct authors
    // and candidate tallies in each of its buckets.
    expect(await windows.sumCounter(tag, "posts", s, s + 10, 10)).toBe(1);
    expect(await windows.sumCounter(tag, "posts", s + 10, s + 20, 10)).toBe(2);
    expect(await windows.sumCounter(tag, "flagged:abuse", s, s + 20, 10)).toBe(1);
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s, shard), "flood")).toBe("1");
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s + 10, shard), "flood")).toBe("2");
    expect(await redis.zscore(keys.candidates("hashtag", "abuse", s + 10, shard), "flood")).toBe("1");
    expect(await redis.pfcount(keys.authors(tag, s + 10))).toBe(2);
    const stream = keys.tag("stream", "all");
    expect(await windows.sumCounter(stream, "posts", s, s + 20, 10)).toBe(3);
  });

  it("a one-off key costs Redis nothing but its flagged tally; a key that comes back gets full windows", async () => {
    const prefix = `${cfg.pipeline.redis.prefix}:o`;
    const { pipeline, keys, windows, events } = testPipeline(cfg, redis, producer, markerScorer, prefix);
    const evidence = new Map<string, string[] | undefined>();
    events.on("stepEvidence", (e) => {
      for (const p of e.posts) evidence.set(p.post.id, p.windowTags);
    });
    const s = T0 / 1000;
    const one = (id: string, tag: string, text = "nothing to see") =>
      post(id, {
        createdAt: at(1000),
        hashtags: [tag],
        text,
        author: { id: `a-${id}`, followers: 10, accountAgeDays: 400 },
      });
    await pipeline.handleStep({
      topic: "t",
      partition: 0,
      messages: messages([one("o1", "quiet"), one("o2", "loud", "ABUSE aimed at someone")]),
    });
    const q = keys.tag("hashtag", "quiet");
    const l = keys.tag("hashtag", "loud");
    for (const tag of [q, l]) {
      expect(await redis.exists(keys.bucket(tag, s))).toBe(0);
      expect(await redis.exists(keys.authors(tag, s))).toBe(0);
    }
    // No evidence sample under any of the flagged post's keys: each is one-off.
    expect(evidence.get("o2")).toEqual([]);
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s, candidateShard("quiet")), "quiet")).toBeNull();
    // The flagged post is tallied (the detector's flagged series stay exact), nothing else is kept.
    expect(await redis.zscore(keys.candidates("hashtag", "abuse", s, candidateShard("loud")), "loud")).toBe("1");
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s, candidateShard("loud")), "loud")).toBe("1");
    // A second flagged post under the same key in a later step: it matters now.
    await pipeline.handleStep({
      topic: "t",
      partition: 0,
      messages: messages([one("o3", "loud", "ABUSE aimed at someone else")], 10),
    });
    expect(evidence.get("o3")).toContain(l);
    expect(await windows.sumCounter(l, "flagged:abuse", s, s + 10, 10)).toBe(1);
    expect(await redis.pfcount(keys.authors(l, s))).toBe(1);
    expect(await redis.zscore(keys.candidates("hashtag", "abuse", s, candidateShard("loud")), "loud")).toBe("2");
    expect(await windows.sumCounter(keys.tag("stream", "all"), "posts", s, s + 10, 10)).toBe(3);
    // An unflagged hashtag that comes back in a later step: the process's sketch remembers it.
    const q2 = one("o4", "quiet");
    await pipeline.handleStep({ topic: "t", partition: 0, messages: messages([q2], 11) });
    expect(await windows.sumCounter(q, "posts", s, s + 10, 10)).toBe(1);
    expect(await redis.zscore(keys.candidates("hashtag", "posts", s, candidateShard("quiet")), "quiet")).toBe("1");
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
