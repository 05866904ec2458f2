// Appeals against the real Kafka and Redis: appeals on the appeals topic reach the appeals queue
// through the worker extension, bad ones are dead-lettered with their reason (and a redelivery
// after a crash neither queues nor dead-letters anything twice); the deciding moderator never gets
// the appeal of their own decision; an overturn publishes one reversal, keyed like the original,
// even when the publisher dies between Kafka's acknowledgement and Redis's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Partitioners, type KafkaMessage, type Producer } from "kafkajs";
import type { RedisClient } from "../../src/redis/client";
import { Events } from "../../src/events";
import type { Appeal, ReviewPost } from "../../src/domain";
import { ReviewService } from "../../src/review/queue";
import { ActionPublisher } from "../../src/review/publisher";
import { DeadLetter } from "../../src/source/deadletter";
import { ensureTopics } from "../../src/source/kafka";
import { appealsExtension, appealStep } from "../../src/worker/appeals";
import type { WorkerContext } from "../../src/worker/context";
import { Keys } from "../../src/keys";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";
import { decidedPost, readTopic } from "./actions";

const cfg = isolatedConfig("appeals");
const keys = new Keys(cfg.pipeline.redis.prefix);
const topics = cfg.pipeline.kafka.topics;
const kafka = kafkaClient(cfg);
const events = new Events();
let redis: RedisClient;
let producer: Producer;
let ext: { close(): Promise<void> } | undefined;

const service = () =>
  new ReviewService({ redis, keys, events, slaMinutes: cfg.pipeline.incidents!.slaMinutes, leaseSeconds: 60 });

const post = (id: string): ReviewPost => ({
  id,
  authorId: `author-${id}`,
  followers: 3,
  text: `text ${id}`,
  createdAt: new Date().toISOString(),
  scores: { rumour: 0.99, abuse: 0.1, attack: 0, data_leak: 0 },
  top: [],
});

/** Queues a post, and `moderator` claims and decides it: the decision an author will appeal. */
async function decided(postId: string, decisionId: string, kind: "suspend_author" | "remove_post", moderator = "mia") {
  const { claim, result } = await decidedPost(service(), {
    post: post(postId),
    queue: "rumour",
    moderator,
    decisionId,
    kind,
    reason: "bot",
  });
  expect(claim.item.id).toBe(`post:${postId}`);
  return result;
}

const appeal = (id: string, decisionId: string, accountId: string, over: Partial<Appeal> = {}): Appeal => ({
  id,
  decisionId,
  accountId,
  reason: "I am not a bot <b>honest</b>",
  createdAt: new Date().toISOString(),
  ...over,
});

/** The appeals' dead letters in the order they were read from the appeals topic (the topic is keyed). */
const deadLetters = (n: number, timeoutMs = 20_000) =>
  readTopic(kafka, topics.deadLetter, (got) => got >= n, timeoutMs).then((msgs) =>
    msgs
      .filter((m) => m.headers["source-topic"] === topics.appeals)
      .sort(
        (a, b) =>
          Number(a.headers["source-partition"]) - Number(b.headers["source-partition"]) ||
          Number(a.headers["source-offset"]) - Number(b.headers["source-offset"]),
      ),
  );

beforeAll(async () => {
  redis = redisClient(cfg);
  await ensureTopics(kafka, cfg);
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
});

afterAll(async () => {
  await ext?.close();
  await producer.disconnect();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("appeals", () => {
  it("queues appeals from the appeals topic and dead-letters bad ones with their reason, each once", async () => {
    await decided("k1", "d-k1", "suspend_author");
    await decided("k2", "d-k2", "remove_post");
    const ctx: WorkerContext = { cfg, log, events, redis, kafka, producer, keys };
    ext = await appealsExtension(ctx);
    const good = JSON.stringify(appeal("a1", "d-k1", "author-k1"));
    const sent: { key: string; value: string }[] = [
      { key: "a1", value: good },
      // The same message again (a producer's retry): neither queued twice nor dead-lettered.
      { key: "a1", value: good },
      { key: "bad-json", value: '{"id": "a2", "decisionId": ' },
      { key: "too-long", value: JSON.stringify(appeal("a3", "d-k2", "author-k2", { reason: "x".repeat(2001) })) },
      { key: "unknown", value: JSON.stringify(appeal("a4", "no-such-decision", "author-k2")) },
      { key: "second", value: JSON.stringify(appeal("a5", "d-k1", "author-k1")) },
      { key: "reused-id", value: JSON.stringify(appeal("a1", "d-k2", "author-k2")) },
      { key: "not-author", value: JSON.stringify(appeal("a6", "d-k2", "someone-else")) },
    ];
    // One partition, so the messages are read in the order sent.
    await producer.send({ topic: topics.appeals, messages: sent.map((m) => ({ ...m, partition: 0 })) });

    const dead = await deadLetters(6);
    expect(dead.map((m) => [m.key, m.headers.reason])).toEqual([
      ["bad-json", "appeal_invalid"],
      ["too-long", "appeal_invalid"],
      ["unknown", "appeal_unknown_decision"],
      ["second", "appeal_duplicate"],
      ["reused-id", "appeal_duplicate"],
      ["not-author", "appeal_invalid"],
    ]);
    expect(dead.map((m) => m.headers.detail)).toEqual([
      expect.stringMatching(/^not_json: /),
      "schema: /reason must NOT have more than 2000 characters",
      "decision no-such-decision is not a decision modstream recorded",
      "decision d-k1 is already appealed (appeal a1)",
      "appeal a1 was already filed with other content",
      "account someone-else is not the author decision d-k2 acted on",
    ]);
    // Unchanged bytes, and where each came from.
    expect(dead[0]!.value).toEqual({ raw: '{"id": "a2", "decisionId": ' });
    expect(dead.map((m) => Number(m.headers["source-offset"]))).toEqual([2, 3, 4, 5, 6, 7]);

    const r = service();
    const page = await r.list("appeals", "waiting");
    expect(page.items.map((i) => i.id)).toEqual(["appeal:a1"]);
    expect(page.items[0]).toMatchObject({
      kind: "appeal",
      queue: "appeals",
      reason: "appeal of suspend_author by mia",
      post: { id: "k1", text: "text k1" },
      appeal: {
        id: "a1",
        decisionId: "d-k1",
        accountId: "author-k1",
        reason: "I am not a bot <b>honest</b>",
        filedBy: "kafka",
        original: { decisionId: "d-k1", action: "suspend_author", moderator: "mia", accountId: "author-k1" },
      },
    });
    const filed = (await r.audit.query({ actor: "kafka" })).entries;
    expect(filed.map((e) => [e.kind, e.itemId, e.what, e.why])).toEqual([
      ["appeal", "appeal:a1", "appeal of d-k1 (suspend_author) by author-k1", "I am not a bot <b>honest</b>"],
    ]);
  });

  it("a step redelivered after a crash queues nothing twice and dead-letters nothing twice", async () => {
    await decided("k3", "d-k3", "remove_post");
    const msg = (offset: number, value: string): KafkaMessage =>
      ({ offset: String(offset), key: Buffer.from(`re-${offset}`), value: Buffer.from(value) }) as KafkaMessage;
    const step = {
      topic: topics.appeals,
      // Offsets of their own, far past the topic's, so the extension's marks do not interfere.
      partition: 3,
      messages: [
        msg(100, JSON.stringify(appeal("r1", "d-k3", "author-k3"))),
        msg(101, "not json"),
        msg(102, JSON.stringify(appeal("r2", "d-k3", "author-k3"))),
      ],
    };
    const before = (await deadLetters(6, 5000)).length;
    const run = appealStep({
      review: service(),
      deadLetter: new DeadLetter(producer, topics.deadLetter, events),
      marks: {
        get: async (f) => Number((await redis.hget(keys.reviewAppealsDeadLettered(), f)) ?? -1),
        set: async (f, offset) => void (await redis.hset(keys.reviewAppealsDeadLettered(), f, offset)),
      },
      limits: cfg.pipeline.limits,
    });
    await run(step);
    // The worker died before committing: Kafka hands the same messages over again.
    await run(step);
    await eventually(
      "the step's dead letters",
      async () => (await deadLetters(before + 2)).length,
      (n) => n >= before + 2,
      20_000,
    );
    // Anything sent twice would be there by now as well.
    const dead = (await deadLetters(before + 3, 2000)).filter((m) => m.headers["source-partition"] === "3");
    expect(dead.map((m) => [m.headers["source-offset"], m.headers.reason])).toEqual([
      ["101", "appeal_invalid"],
      ["102", "appeal_duplicate"],
    ]);
    const queued = (await service().list("appeals", "waiting")).items.map((i) => i.id);
    expect(queued.filter((id) => id === "appeal:r1")).toHaveLength(1);
    expect(queued).not.toContain("appeal:r2");
  });

  it("keeps an appeal from the moderator who decided, and publishes one reversal across a crash", async () => {
    const r = service();
    // mia decided d-k1: the appeal waits for someone else, and cannot be handed to her.
    const mine = await r.claimNext("appeals", "mia", "moderator");
    expect(mine).toBeNull();
    await expect(r.reassign("appeal:a1", "mia", "lead-1")).rejects.toMatchObject({ code: "CONFLICT" });
    const c = (await r.claimNext("appeals", "noa", "moderator"))!;
    expect(c.item.id).toBe("appeal:a1");
    const decide = (kind: "overturn" | "remove_post", moderator = "noa") =>
      r.decide({
        itemId: c.item.id,
        lockToken: c.lockToken,
        moderator,
        decisionId: "ov-a1",
        kind,
        reason: "not a bot after all",
      });
    await expect(decide("remove_post")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(decide("overturn", "mia")).rejects.toMatchObject({ code: "CONFLICT" });
    const { action } = await decide("overturn");
    expect(action).toMatchObject({
      decisionId: "ov-a1",
      action: "reverse",
      itemId: "appeal:a1",
      queue: "appeals",
      postId: "k1",
      accountId: "author-k1",
      reverses: "d-k1",
      reversesAction: "suspend_author",
      appealId: "a1",
      moderator: "noa",
    });
    // A retry records nothing new.
    expect((await decide("overturn")).duplicate).toBe(true);
    expect((await r.appeal("a1")).decision).toEqual(action);
    const audited = (await r.audit.query({ actor: "noa" })).entries.find((e) => e.kind === "decide");
    expect(audited).toMatchObject({ itemId: "appeal:a1", what: "overturn post k1", why: "not a bot after all" });

    const publisher = (name: string, afterSend?: () => void) =>
      new ActionPublisher({
        redis,
        keys,
        kafka,
        producer,
        topic: topics.actions,
        consumer: name,
        claimIdleMs: 0,
        afterSend,
        onError: (e) => log.error(e),
      });
    // The first publisher dies after Kafka has the actions, before Redis hears of it.
    const crashing = publisher("crashing", () => {
      throw new Error("crash");
    });
    await expect(crashing.poll()).rejects.toThrow("crash");
    const recovered = publisher("recovered");
    await recovered.poll();
    expect(await recovered.poll()).toBe(0);
    const msgs = await readTopic(kafka, topics.actions, (n) => n >= 4, 20_000);
    const reversals = msgs.filter((m) => m.value.action === "reverse");
    expect(reversals).toHaveLength(1);
    // Keyed like the suspension it reverses, so it follows it on its partition.
    const original = msgs.find((m) => m.value.decisionId === "d-k1")!;
    expect(original.key).toBe("account:author-k1");
    expect(reversals[0]!.key).toBe("account:author-k1");
    expect(reversals[0]!.headers.decisionId).toBe("ov-a1");
    const ids = msgs.map((m) => m.value.decisionId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("upholds an appeal: the decision stands, the uphold is published and the appeal shows it", async () => {
    await decided("k4", "d-k4", "remove_post");
    const r = service();
    const filed = await r.fileAppeal(appeal("u1", "d-k4", "author-k4"), "sam");
    expect(filed).toMatchObject({ ok: true, duplicate: false, item: { appeal: { filedBy: "sam" } } });
    // Earlier appeals of this file may still wait (lee holds them); this one is the newest.
    let c = await r.claimNext("appeals", "lee", "moderator");
    while (c && c.item.id !== "appeal:u1") c = await r.claimNext("appeals", "lee", "moderator");
    expect(c?.item.id).toBe("appeal:u1");
    const { action } = await r.decide({
      itemId: c!.item.id,
      lockToken: c!.lockToken,
      moderator: "lee",
      decisionId: "up-u1",
      kind: "uphold",
      reason: "the post was a rumour",
    });
    expect(action).toMatchObject({ action: "uphold", postId: "k4", accountId: "author-k4", appealId: "u1" });
    expect(action.reverses).toBeUndefined();
    expect(await r.appeal("u1")).toMatchObject({ item: { state: "decided" }, decision: { decisionId: "up-u1" } });
    // An appeal is not itself appealable; neither are the other queues' items decided by uphold.
    expect(await r.fileAppeal(appeal("u2", "up-u1", "author-k4"), "sam")).toMatchObject({
      ok: false,
      reason: "appeal_invalid",
    });
  });
});
