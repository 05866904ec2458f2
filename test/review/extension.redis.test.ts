// The review worker extension against the real Redis: opened and re-graded incidents are queued
// (re-grading moves them), high-confidence single posts are queued, low ones are not, and grade
// changes and statements reach the audit log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { WorkerContext } from "../../src/worker/context";
import { Events } from "../../src/events";
import { IncidentService } from "../../src/incidents/service";
import { reviewExtension } from "../../src/worker/review";
import { ReviewService } from "../../src/review/queue";
import type { Score } from "../../src/domain";
import { Keys } from "../../src/keys";
import { cleanRedis, isolatedConfig, log, redisClient } from "../helpers/env";

const cfg = isolatedConfig("review-ext");
const keys = new Keys(cfg.pipeline.redis.prefix);
let redis: RedisClient;
const events = new Events();
let ext: { close(): Promise<void> };

const score = (rumour: number): Score => ({
  rumour: { score: rumour, flagged: rumour > 0.9, top: [{ feature: "转发", weight: 1.5 }] },
  abuse: { score: 0.01, flagged: false, top: [] },
  attack: { score: 0.01, flagged: false, top: [] },
  data_leak: { score: 0, flagged: false, top: [] },
});

beforeAll(async () => {
  redis = redisClient(cfg);
  ext = await reviewExtension({ cfg, log, events, redis, keys } as unknown as WorkerContext);
});
afterAll(async () => {
  await ext.close();
  await cleanRedis(redis, cfg);
  redis.disconnect();
});

describe("review extension", () => {
  it("queues incidents as they open and re-prioritises them on a re-grade", async () => {
    const incidents = new IncidentService({ redis, keys, pipeline: cfg.pipeline, events });
    const review = new ReviewService({
      redis,
      keys,
      events,
      slaMinutes: cfg.pipeline.incidents!.slaMinutes,
      leaseSeconds: 60,
    });
    const { id } = await incidents.open({
      type: "rumour",
      source: "manual",
      kind: "hashtag",
      key: "flood",
      tag: "{hashtag:flood}",
      ref: "ext-1",
      figures: { flagged: 8, posts: 20, perMinute: 10, authors: 5, reach: 100, confidence: 6, growth: 1 },
      firstEvidenceAt: Date.now(),
      text: "opened",
    });
    await expect
      .poll(async () => (await review.list("rumour", "waiting")).items.map((i) => i.id))
      .toEqual([`inc:${id}`]);
    const before = (await review.get(`inc:${id}`)).grade;
    const after = await incidents.regrade(id, {
      flagged: 5000,
      posts: 6000,
      perMinute: 5000,
      authors: 3000,
      reach: 1e8,
      confidence: 50,
      growth: 20,
    });
    expect(after).toBeLessThan(before);
    await expect.poll(async () => (await review.get(`inc:${id}`)).grade).toBe(after);
    await incidents.addStatement(id, "官方辟谣: not true", "lead-1");
    await expect
      .poll(async () => (await review.audit.query({ incidentId: id })).entries.map((e) => e.kind).sort())
      .toEqual(["enqueue", "grade", "statement"]);
  });

  it("queues single posts scored at least postMinScore, in their category's queue", async () => {
    const post = (id: string) => ({
      id,
      author: { id: `a-${id}`, followers: 5, accountAgeDays: 1 },
      text: `<b>${id}</b>`,
      createdAt: new Date().toISOString(),
    });
    events.emit("stepEvidence", {
      posts: [
        { post: post("hot"), score: score(0.995), tags: [] },
        { post: post("warm"), score: score(0.93), tags: [] },
      ],
      reports: [],
    });
    const review = new ReviewService({
      redis,
      keys,
      events: new Events(),
      slaMinutes: cfg.pipeline.incidents!.slaMinutes,
      leaseSeconds: 60,
    });
    await expect
      .poll(async () =>
        (await review.list("rumour", "waiting")).items.filter((i) => i.kind === "post").map((i) => i.id),
      )
      .toEqual(["post:hot"]);
    expect((await review.get("post:hot")).post).toMatchObject({
      text: "<b>hot</b>",
      top: [{ feature: "转发", weight: 1.5 }],
    });
  });
});
