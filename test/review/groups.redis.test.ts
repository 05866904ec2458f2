// Grouped copies against the real Redis and Kafka: near-duplicate single posts collapse into one
// queue item with the number of copies and the accounts behind them; a decision on the group
// (and on an incident, on its evidence) applies to every post, each action published exactly
// once on the actions topic and audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Partitioners, type Producer } from "kafkajs";
import type { RedisClient } from "../../src/redis/client";
import { Events } from "../../src/events";
import type { Incident, ReviewPost } from "../../src/domain";
import { ReviewService } from "../../src/review/queue";
import { ActionPublisher } from "../../src/review/publisher";
import { ensureTopics } from "../../src/source/kafka";
import { Keys } from "../../src/keys";
import { clusterBands } from "../../src/windows/minhash";
import { cleanRedis, deleteTopics, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";
import { readTopic } from "./actions";

const cfg = isolatedConfig("groups");
const keys = new Keys(cfg.pipeline.redis.prefix);
const sla = cfg.pipeline.incidents!.slaMinutes;
const kafka = kafkaClient(cfg);
let redis: RedisClient;
let producer: Producer;

const TEXT = "抵制重男轻女！抵制给女孩喝可乐！23333333333";
const bandsOf = (text: string) => clusterBands(text).map((b) => keys.tag("cluster", b));
const post = (id: string, author: string, text = TEXT): ReviewPost => ({
  id,
  authorId: author,
  followers: 10,
  text,
  createdAt: new Date().toISOString(),
  scores: { rumour: 0.97, abuse: 0.1, attack: 0, data_leak: 0 },
  top: [],
});

beforeAll(async () => {
  redis = redisClient(cfg);
  await ensureTopics(kafka, cfg);
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("grouped copies", () => {
  it("collapses copies into one item and a decision removes every copy, once each, audited", async () => {
    const evidence = [
      { postId: "e1", accountId: "acct-1" },
      { postId: "e2", accountId: "acct-2" },
      { postId: "e3", accountId: "acct-2" },
    ];
    const r = new ReviewService({
      redis,
      keys,
      events: new Events(),
      slaMinutes: sla,
      leaseSeconds: 60,
      evidenceOf: (id) => Promise.resolve(id === "INC-g" ? evidence : []),
    });
    const copies = Array.from({ length: 12 }, (_, i) =>
      post(`copy${i}`, `author${i % 5}`, i % 2 ? TEXT : `${TEXT}！！`),
    );
    for (const p of copies)
      await r.enqueuePost({ post: p, queue: "rumour", reason: "rumour 0.97", bands: bandsOf(p.text) });
    await r.enqueuePost({
      post: post("other", "author9", "今天天气真好，和朋友去公园散步了"),
      queue: "rumour",
      reason: "r",
      bands: bandsOf("今天天气真好，和朋友去公园散步了"),
    });

    const page = await r.list("rumour", "waiting");
    expect(page.total).toBe(2);
    const grouped = page.items.find((i) => i.group);
    expect(grouped?.group).toMatchObject({ copies: 12, accounts: 5 });
    expect(grouped?.group?.postIds.sort()).toEqual(copies.map((p) => p.id).sort());
    expect(grouped?.group?.authors.length).toBe(5);

    const claim = (await r.claimNext("rumour", "mia", "moderator"))!;
    expect(claim.item.id).toBe(grouped?.id);
    expect(claim.item.group?.copies).toBe(12);
    const decide = () =>
      r.decide({
        itemId: claim.item.id,
        lockToken: claim.lockToken,
        moderator: "mia",
        decisionId: "grp-1",
        kind: "remove_post",
        reason: "rumour copies",
      });
    await decide();
    await decide(); // a retry adds nothing

    await r.enqueueIncident({
      id: "INC-g",
      type: "abuse",
      grade: 2,
      kind: "mention",
      key: "x",
      openedAt: Date.now(),
    } as Incident);
    const inc = (await r.claimNext("abuse", "lee", "lead"))!;
    await r.decide({
      itemId: inc.item.id,
      lockToken: inc.lockToken,
      moderator: "lee",
      decisionId: "inc-1",
      kind: "suspend_author",
      reason: "pile-on",
    });

    const publisher = new ActionPublisher({
      redis,
      keys,
      kafka,
      producer,
      topic: cfg.pipeline.kafka.topics.actions,
      consumer: "p",
      onError: (e) => log.error(e),
    });
    while ((await publisher.poll()) > 0);
    const sent = await readTopic(kafka, cfg.pipeline.kafka.topics.actions, (n) => n >= 14);
    const removed = sent.filter((m) => m.value.action === "remove_post").map((m) => m.value.postId);
    expect(removed.sort()).toEqual(copies.map((p) => p.id).sort());
    const suspended = sent.filter((m) => m.value.action === "suspend_author").map((m) => m.value.accountId);
    expect(suspended.sort()).toEqual(["acct-1", "acct-2"]);
    expect(sent).toHaveLength(14);

    const audit = await r.audit.query({ actor: "mia", limit: 100 });
    expect(audit.entries.filter((e) => e.kind === "decide")).toHaveLength(12);
  });

  it("reports against a harmful post raise its waiting item, never lower it", async () => {
    const r = new ReviewService({ redis, keys, events: new Events(), slaMinutes: sla, leaseSeconds: 60 });
    await r.enqueuePost({
      post: post("reported1", "a1", "some harmful claim that got reported"),
      queue: "abuse",
      reason: "abuse 0.99",
    });
    expect(await r.raisePost("reported1", 2, "reported by users")).toBe(true);
    expect(await r.get("post:reported1")).toMatchObject({ grade: 2, reason: "reported by users" });
    expect(await r.raisePost("reported1", 3, "later")).toBe(false);
    const first = (await r.list("abuse", "waiting")).items[0];
    expect(first?.id).toBe("post:reported1");
  });
});
