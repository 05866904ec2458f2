// The review queue against the real Redis and Kafka: priority, claims and leases, decisions,
// escalation and reassignment, the audit log, and exactly-once publication of actions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Partitioners, type Producer } from "kafkajs";
import type { RedisClient } from "../../src/redis/client";
import { Events } from "../../src/events";
import type { DecisionKind, Incident, ReviewPost } from "../../src/domain";
import { ReviewService, type DecideInput } from "../../src/review/queue";
import { ActionPublisher } from "../../src/review/publisher";
import { ensureTopics } from "../../src/source/kafka";
import { Keys } from "../../src/keys";
import { cleanRedis, deleteTopics, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";
import { readTopic } from "./actions";

const cfg = isolatedConfig("review");
const keys = new Keys(cfg.pipeline.redis.prefix);
const sla = cfg.pipeline.incidents!.slaMinutes;
let redis: RedisClient;
let producer: Producer;
let clock = Date.parse("2026-01-01T00:00:00Z");
const now = () => clock;

const service = () => new ReviewService({ redis, keys, events: new Events(), slaMinutes: sla, leaseSeconds: 60, now });

const incident = (id: string, grade: 1 | 2 | 3 | 4, openedAt: number, type: Incident["type"] = "rumour") =>
  ({ id, type, grade, kind: "hashtag", key: id, openedAt }) as Incident;

const post = (id: string, text = `text ${id}`): ReviewPost => ({
  id,
  authorId: `author-${id}`,
  followers: 3,
  text,
  createdAt: new Date(clock).toISOString(),
  scores: { rumour: 0.99, abuse: 0.1, attack: 0, data_leak: 0 },
  top: [{ feature: "share before deleted", weight: 2.1 }],
});

beforeAll(async () => {
  redis = redisClient(cfg);
  const kafka = kafkaClient(cfg);
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

describe("review queue", () => {
  it("claims by grade, then SLA deadline, then age; null when empty", async () => {
    const r = service();
    await r.enqueuePost({ post: post("p1"), queue: "rumour", reason: "rumour score 0.99" });
    await r.enqueueIncident(incident("INC-b", 1, clock - 1000));
    await r.enqueueIncident(incident("INC-a", 1, clock - 5000));
    await r.enqueueIncident(incident("INC-c", 2, clock - 99_000));
    // Re-enqueueing refreshes, never duplicates.
    expect(await r.enqueueIncident(incident("INC-a", 1, clock - 5000))).toBe(2);
    const order: string[] = [];
    for (;;) {
      const c = await r.claimNext("rumour", "mod1", "moderator");
      if (!c) break;
      order.push(c.item.id);
      await r.decide({
        itemId: c.item.id,
        lockToken: c.lockToken,
        moderator: "mod1",
        decisionId: `d-${c.item.id}`,
        kind: "dismiss",
        reason: "ok",
      });
    }
    expect(order).toEqual(["inc:INC-a", "inc:INC-b", "inc:INC-c", "post:p1"]);
    expect(await r.claimNext("rumour", "mod1", "moderator")).toBeNull();
    // Decided items are not queued again by a later re-grade.
    expect(await r.enqueueIncident(incident("INC-a", 1, clock - 5000))).toBe(0);
  });

  it("sheds single posts, never incidents, once a queue holds maxWaiting items", async () => {
    const events = new Events();
    const seen: string[] = [];
    events.on("review", (e) => seen.push(`${e.kind}:${e.queue}`));
    // Keys of its own (under the test's prefix), so the full queue does not reach the other tests.
    const keys = new Keys(`${cfg.pipeline.redis.prefix}:shed`);
    const r = new ReviewService({ redis, keys, events, slaMinutes: sla, leaseSeconds: 60, maxWaiting: 3, now });
    const replies = [];
    for (const id of ["s1", "s2", "s3", "s4", "s5"])
      replies.push(await r.enqueuePost({ post: post(id), queue: "attack", reason: `attack score 0.99 ${id}` }));
    expect(replies).toEqual([1, 1, 1, 3, 3]);
    // An incident still queues past the bound, and a queued post can still be refreshed.
    expect(await r.enqueueIncident(incident("INC-shed", 2, clock, "attack"))).toBe(1);
    expect(await r.enqueuePost({ post: post("s1"), queue: "attack", reason: "again" })).toBe(2);
    expect(await redis.zcard(keys.reviewQueue("attack"))).toBe(4);
    expect(await redis.exists(`${keys.reviewItemPrefix()}post:s4`)).toBe(0);
    expect(seen.filter((k) => k.startsWith("shed"))).toEqual(["shed:attack", "shed:attack"]);
    // What was shed is kept (newest first), with why.
    const shed = await redis.xrevrange(keys.reviewShed(), "+", "-");
    expect(shed.map(([, f]) => f[f.indexOf("itemId") + 1])).toEqual(["post:s5", "post:s4"]);
    expect(shed[0]![1]).toContain("attack score 0.99 s5");
    // Claiming makes room again.
    expect((await r.claimNext("attack", "mod1", "moderator"))?.item.id).toBe("inc:INC-shed");
    expect(await r.enqueuePost({ post: post("s6"), queue: "attack", reason: "attack score 0.99 s6" })).toBe(3);
    expect((await r.claimNext("attack", "mod1", "moderator"))?.item.id).toBe("post:s1");
    expect(await r.enqueuePost({ post: post("s6"), queue: "attack", reason: "attack score 0.99 s6" })).toBe(1);
  });

  it("gives each item to one of many racing moderators", async () => {
    const r = service();
    for (let i = 0; i < 5; i++) await r.enqueuePost({ post: post(`race${i}`), queue: "abuse", reason: "abuse" });
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => r.claimNext("abuse", `m${i}`, "moderator")));
    const got = claims.filter((c) => c !== null).map((c) => c.item.id);
    expect(got).toHaveLength(5);
    expect(new Set(got).size).toBe(5);
  });

  it("only the lock holder decides; an expired lease returns the item to the queue", async () => {
    const r = service();
    await r.enqueuePost({ post: post("lease1"), queue: "attack", reason: "attack" });
    const c = (await r.claimNext("attack", "alice", "moderator"))!;
    await expect(
      r.decide({
        itemId: c.item.id,
        lockToken: "wrong",
        moderator: "bob",
        decisionId: "x1",
        kind: "remove_post",
        reason: "r",
      }),
    ).rejects.toMatchObject({ code: "LOCK_NOT_HELD", status: 409 });
    expect((await r.counts()).find((q) => q.queue === "attack")).toMatchObject({ waiting: 0, claimed: 1 });
    clock += 61_000;
    expect(await r.sweep()).toBeGreaterThanOrEqual(1); // with the racing test's leases
    expect((await r.counts()).find((q) => q.queue === "attack")).toMatchObject({ waiting: 1, claimed: 0 });
    await expect(
      r.decide({
        itemId: c.item.id,
        lockToken: c.lockToken,
        moderator: "alice",
        decisionId: "x2",
        kind: "remove_post",
        reason: "r",
      }),
    ).rejects.toMatchObject({ code: "LOCK_NOT_HELD" });
    const again = (await r.claimNext("attack", "bob", "moderator"))!;
    expect(again.item.id).toBe(c.item.id);
    expect(again.lockToken).not.toBe(c.lockToken);
    // Renewing keeps the lease alive past its first end.
    clock += 50_000;
    await r.renew(again.item.id, again.lockToken, "bob");
    clock += 50_000;
    const d = await r.decide({
      itemId: again.item.id,
      lockToken: again.lockToken,
      moderator: "bob",
      decisionId: "x3",
      kind: "remove_post",
      reason: "spam",
    });
    expect(d.action).toMatchObject({ action: "remove_post", postId: "lease1", queue: "attack" });
  });

  it("a lead reassigns; the old token stops working; escalations wait for a lead", async () => {
    const r = service();
    await r.enqueuePost({ post: post("re1"), queue: "data_leak", reason: "phone numbers" });
    const c = (await r.claimNext("data_leak", "carol", "moderator"))!;
    const moved = await r.reassign(c.item.id, "dave", "lead1", "carol is off shift");
    expect(moved.item.holder).toBe("dave");
    await expect(
      r.decide({
        itemId: c.item.id,
        lockToken: c.lockToken,
        moderator: "carol",
        decisionId: "e0",
        kind: "dismiss",
        reason: "r",
      }),
    ).rejects.toMatchObject({ code: "LOCK_NOT_HELD" });
    const mine = await r.mine("dave");
    expect(mine.map((m) => m.item.id)).toEqual([c.item.id]);
    await r.decide({
      itemId: c.item.id,
      lockToken: mine[0]!.lockToken,
      moderator: "dave",
      decisionId: "e1",
      kind: "escalate",
      reason: "unsure",
    });
    expect(await r.claimNext("data_leak", "erin", "moderator")).toBeNull();
    const lead = (await r.claimNext("data_leak", "lead1", "lead"))!;
    expect(lead.item).toMatchObject({ id: c.item.id, escalated: true });
  });

  it("a decision id is used once: a retry returns the recorded action", async () => {
    const r = service();
    await r.enqueuePost({ post: post("dup1"), queue: "abuse", reason: "abuse" });
    await r.enqueuePost({ post: post("dup2"), queue: "abuse", reason: "abuse" });
    const mineBefore = await r.mine("frank");
    expect(mineBefore).toEqual([]);
    const leftovers = await r.list("abuse", "waiting");
    const claims = [];
    for (let i = 0; i < leftovers.total; i++) claims.push((await r.claimNext("abuse", "frank", "moderator"))!);
    const c = claims.find((x) => x.item.id === "post:dup1")!;
    const first = await r.decide({
      itemId: c.item.id,
      lockToken: c.lockToken,
      moderator: "frank",
      decisionId: "once",
      kind: "warn_author",
      reason: "insults",
    });
    const second = await r.decide({
      itemId: c.item.id,
      lockToken: c.lockToken,
      moderator: "frank",
      decisionId: "once",
      kind: "warn_author",
      reason: "insults",
    });
    expect(second).toEqual({ action: first.action, duplicate: true });
    expect(first.action).toMatchObject({ accountId: "author-dup1" });
    const other = claims.find((x) => x.item.id === "post:dup2")!;
    await expect(
      r.decide({
        itemId: other.item.id,
        lockToken: other.lockToken,
        moderator: "frank",
        decisionId: "once",
        kind: "dismiss",
        reason: "r",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("checks a decision fits its item in the decision's own script, and records the action verbatim", async () => {
    const r = service();
    await r.enqueueIncident(incident("INC-fit", 3, clock, "abuse"));
    const c = (await r.claimNext("abuse", "ivan", "moderator"))!;
    const decide = (kind: DecisionKind, extra: Partial<DecideInput> = {}) =>
      r.decide({
        itemId: c.item.id,
        lockToken: c.lockToken,
        moderator: "ivan",
        decisionId: `fit-${kind}`,
        kind,
        reason: "r",
        ...extra,
      });
    await expect(decide("remove_post")).rejects.toMatchObject({ code: "BAD_REQUEST", message: /needs a postId/ });
    await expect(decide("suspend_author")).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: /needs an accountId/,
    });
    await expect(decide("label_rumour", { postId: "p" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: /needs a rebuttal/,
    });
    await expect(decide("dismiss", { itemId: "inc:none" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const held = () => redis.zscore(keys.reviewHeld("abuse"), c.item.id);
    expect(await held()).not.toBeNull();
    // Text that JSON must escape, built into the action partly by the caller and partly by Lua.
    const odd = `"quoted" \\ back/slash \u2028 ${"\u0000"} 辟谣 😀 </script>`;
    const d = await decide("label_rumour", { postId: odd, accountId: odd, rebuttal: odd, reason: odd });
    expect(d).toEqual({
      duplicate: false,
      action: {
        decisionId: "fit-label_rumour",
        action: "label_rumour",
        itemId: "inc:INC-fit",
        queue: "abuse",
        incidentId: "INC-fit",
        postId: odd,
        accountId: odd,
        rebuttal: odd,
        reason: odd,
        moderator: "ivan",
        at: clock,
      },
    });
    expect(JSON.parse((await redis.hget(keys.reviewDecisions(), "fit-label_rumour"))!)).toEqual(d.action);
    expect(await held()).toBeNull();
    expect((await r.get(c.item.id)).state).toBe("decided");
    const audit = await r.audit.query({ incidentId: "INC-fit", limit: 1 });
    expect(audit.entries[0]).toMatchObject({ kind: "decide", what: `label_rumour post ${odd}`, why: odd });
  });

  it("audits claims and decisions, queryable by incident, moderator and time", async () => {
    const r = service();
    const t0 = Date.now() - 1;
    await r.enqueueIncident(incident("INC-audit", 2, clock, "technical"));
    const c = (await r.claimNext("technical", "gina", "moderator"))!;
    clock += 1000;
    await r.decide({
      itemId: c.item.id,
      lockToken: c.lockToken,
      moderator: "gina",
      decisionId: "aud1",
      kind: "dismiss",
      reason: "drill",
    });
    const byInc = await r.audit.query({ incidentId: "INC-audit" });
    expect(byInc.entries.map((e) => e.kind)).toEqual(["decide", "claim", "enqueue"]);
    expect(byInc.entries[0]).toMatchObject({ actor: "gina", why: "drill", itemId: "inc:INC-audit" });
    const byMod = await r.audit.query({ actor: "gina", limit: 1 });
    expect(byMod.entries).toHaveLength(1);
    expect(byMod.next).toBeDefined();
    const page2 = await r.audit.query({ actor: "gina", cursor: byMod.next });
    expect(page2.entries.map((e) => e.kind)).toEqual(["claim"]);
    const all = await r.audit.query({ from: t0, limit: 500 });
    expect(all.entries.every((e) => e.at >= t0)).toBe(true);
    expect(all.entries.length).toBeGreaterThanOrEqual(3);
  });
});

describe("moderation actions", () => {
  const topic = cfg.pipeline.kafka.topics.actions;
  const kafka = kafkaClient(cfg);
  const publisher = (name: string, extra: Partial<ConstructorParameters<typeof ActionPublisher>[0]> = {}) =>
    new ActionPublisher({
      redis,
      keys,
      kafka,
      producer,
      topic,
      consumer: name,
      claimIdleMs: 0,
      onError: (e) => log.error(e),
      ...extra,
    });

  it("publishes each decision exactly once, keyed by post or account, even across a crash", async () => {
    const before = (await readTopic(kafka, topic, () => false, 1500)).length;
    const p1 = publisher("p1");
    await p1.poll(); // drains the decisions of the queue tests above
    const drained = (await readTopic(kafka, topic, (n) => n > before, 5000)).length;
    const r = service();
    await r.enqueuePost({ post: post("k1"), queue: "rumour", reason: "r" });
    const c = (await r.claimNext("rumour", "hal", "moderator"))!;
    await r.decide({
      itemId: c.item.id,
      lockToken: c.lockToken,
      moderator: "hal",
      decisionId: "pub1",
      kind: "suspend_author",
      reason: "bot",
    });
    // The first publisher dies after Kafka has the action, before Redis hears of it.
    const crashing = publisher("crashing", {
      afterSend: () => {
        throw new Error("crash");
      },
    });
    await expect(crashing.poll()).rejects.toThrow("crash");
    // A retry of the same decision changes nothing either.
    await r.decide({
      itemId: c.item.id,
      lockToken: c.lockToken,
      moderator: "hal",
      decisionId: "pub1",
      kind: "suspend_author",
      reason: "bot",
    });
    const recovered = publisher("p2");
    expect(await recovered.poll()).toBe(1);
    expect(await recovered.poll()).toBe(0);
    const msgs = await readTopic(kafka, topic, (n) => n >= drained + 1, 5000);
    await new Promise((res) => setTimeout(res, 500));
    const mine = msgs.filter((m) => m.value.decisionId === "pub1");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.key).toBe("account:author-k1");
    expect(mine[0]!.value).toMatchObject({ action: "suspend_author", accountId: "author-k1", moderator: "hal" });
    const ids = msgs.map((m) => m.value.decisionId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(msgs.find((m) => m.value.decisionId === "x3")?.key).toBe("post:lease1");
  });
});
