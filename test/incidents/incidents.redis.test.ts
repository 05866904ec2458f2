// Incidents against the real Redis and Kafka: no duplicates when workers race or replay, the
// lifecycle's rules, re-grading, quiet proposals and reopening, technical faults, and a drill-like
// burst that goes pipeline → detector → spikes stream → incident → incidents topic.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import type { RedisClient } from "../../src/redis/client";
import type { Consumer, Producer } from "kafkajs";
import type { Spike } from "../../src/domain";
import { Detector } from "../../src/worker/detector";
import { Events } from "../../src/events";
import { ModstreamError } from "../../src/errors";
import { recordEvidence } from "../../src/incidents/evidence";
import type { SampledPost } from "../../src/incidents/store";
import { batch, execChecked } from "../../src/redis/client";
import { ensureTopic } from "../../src/worker/incidents";
import { SpikeFeed } from "../../src/incidents/feed";
import { HealthWatcher } from "../../src/incidents/health";
import { Publisher } from "../../src/incidents/publisher";
import { IncidentService } from "../../src/incidents/service";
import { ensureTopics } from "../../src/source/kafka";
import { Keys } from "../../src/keys";
import { WindowReader } from "../../src/windows/reader";
import {
  cleanRedis,
  deleteTopics,
  eventually,
  isolatedConfig,
  kafkaClient,
  log,
  post,
  redisClient,
} from "../helpers/env";
import { markerScorer, messages, testPipeline } from "../helpers/pipeline";
import { testSpike } from "../helpers/spikes";

const statementsTopic = `statements-${randomBytes(3).toString("hex")}`;
const cfg = isolatedConfig("incidents", (p) => ({
  ...p,
  incidents: {
    ...p.incidents!,
    statementsTopic,
    quietSeconds: 60,
    coolDownSeconds: 600,
    technical: { ...p.incidents!.technical, windowSeconds: 1, healthySeconds: 1, redisTimeoutMs: 300 },
  },
}));
const keys = new Keys(cfg.pipeline.redis.prefix);
let redis: RedisClient;
let redis2: RedisClient;
let producer: Producer;
const consumers: Consumer[] = [];

beforeAll(async () => {
  redis = redisClient(cfg);
  redis2 = redisClient(cfg);
  const kafka = kafkaClient(cfg);
  await ensureTopics(kafka, cfg);
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  for (const c of consumers) await c.disconnect();
  await producer.disconnect();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  redis2.disconnect();
  await deleteTopics(cfg);
  const admin = kafkaClient(cfg).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [statementsTopic] }).catch(() => undefined);
  await admin.disconnect();
});

const service = (client = redis, now?: () => number) =>
  new IncidentService({ redis: client, keys, pipeline: cfg.pipeline, events: new Events(), now });

const spike = (key: string, over: Partial<Spike> = {}) => testSpike(key, over);

async function readTopic(topic: string, until: (values: string[]) => boolean): Promise<string[]> {
  const seen: { key: string; value: string }[] = [];
  const c = kafkaClient(cfg).consumer({ groupId: `read-${randomBytes(4).toString("hex")}` });
  consumers.push(c);
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ message }) => {
      seen.push({ key: message.key?.toString() ?? "", value: message.value?.toString() ?? "" });
    },
  });
  await eventually(`messages on ${topic}`, async () => seen.map((s) => `${s.key} ${s.value}`), until, 30_000);
  return seen.map((s) => `${s.key} ${s.value}`);
}

describe("opening incidents", () => {
  it("two workers racing on the same spikes open one incident", async () => {
    const a = service(redis);
    const b = service(redis2);
    const refs = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    const s = spike("race");
    const results = await Promise.all(refs.flatMap((ref) => [a.applySpike(s, ref), b.applySpike(s, ref)]));
    const ids = new Set(results.map((r) => r.id));
    expect(ids.size).toBe(1);
    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes.filter((o) => o === "opened")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(8);
    const [id] = [...ids];
    const timeline = await a.timeline(id!);
    expect(timeline.map((e) => e.kind).filter((k) => k === "opened" || k === "extended")).toHaveLength(8);
    const inc = await a.get(id!);
    expect(inc).toMatchObject({ type: "rumour", state: "open", group: "rumour-desk", kind: "hashtag", key: "race" });
    expect((await a.list()).filter((i) => i.key === "race")).toHaveLength(1);
  });

  it("a spike on another key of the same near-duplicate cluster extends the open incident", async () => {
    const s = service();
    const first = await s.open({
      type: "rumour",
      source: "spike",
      kind: "hashtag",
      key: "flood",
      tag: keys.tag("hashtag", "flood"),
      ref: "alias-1",
      figures: { flagged: 12, posts: 12, perMinute: 24, authors: 12, reach: 100, confidence: 8, growth: 12 },
      firstEvidenceAt: Date.now(),
      text: "t",
      aliases: [keys.tag("cluster", "0:abc")],
    });
    const second = await s.applySpike(spike("0:abc", { kind: "cluster" }), "alias-2");
    expect(second).toEqual({ outcome: "extended", id: first.id });
    // The same key under another type is another incident.
    const abuse = await s.applySpike(spike("0:abc", { kind: "cluster", type: "abuse", category: "abuse" }), "alias-3");
    expect(abuse.outcome).toBe("opened");
    expect(abuse.id).not.toBe(first.id);
  });

  it("a spike replayed after a worker crashed before acknowledging it changes nothing", async () => {
    const s = service();
    await redis.xadd(keys.spikes(), "*", "spike", JSON.stringify(spike("replayed")));
    const crashing = new SpikeFeed({
      redis,
      keys,
      consumer: "w1",
      apply: async (sp, ref) => {
        await s.applySpike(sp, ref);
        throw new Error("worker died before XACK");
      },
    });
    await expect(crashing.poll()).rejects.toThrow(/died/);
    const survivor = new SpikeFeed({
      redis: redis2,
      keys,
      consumer: "w2",
      claimIdleMs: 0,
      apply: (sp, ref) => service(redis2).applySpike(sp, ref),
    });
    expect(await survivor.poll()).toBeGreaterThanOrEqual(1);
    const mine = (await s.list()).filter((i) => i.key === "replayed");
    expect(mine).toHaveLength(1);
    expect((await s.timeline(mine[0]!.id)).map((e) => e.kind)).toEqual(["opened"]);
    const pending = (await redis.xpending(keys.spikes(), "incidents")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});

describe("lifecycle", () => {
  it("allows only the plan's transitions, with clear errors", async () => {
    const s = service();
    const { id } = await s.applySpike(spike("life"), "life-1");
    const fail = async (p: Promise<unknown>, re: RegExp, code = "INVALID_TRANSITION") => {
      const err = (await p.catch((e: unknown) => e)) as ModstreamError;
      expect(err).toBeInstanceOf(ModstreamError);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(re);
    };
    await fail(
      s.transition(id, "responding", { actor: "lead" }),
      /from open to responding \(allowed from open: assessing, resolved\)/,
    );
    await fail(s.transition(id, "reviewed", { actor: "lead" }), /open to reviewed/);
    await s.transition(id, "assessing", { actor: "lead" });
    await fail(s.transition(id, "responding", { actor: "lead" }), /needs an assignee/);
    expect((await s.transition(id, "responding", { actor: "lead", assignee: "mod-7" })).assignee).toBe("mod-7");
    await s.addStatement(id, "The dam has not burst; the photo is from 2016.", "lead");
    await s.recordAction(id, "removed 12 posts, muted 3 accounts", "mod-7");
    await fail(s.addStatement(id, " ", "lead"), /empty/, "BAD_REQUEST");
    await s.transition(id, "resolved", { actor: "lead", note: "under control" });
    await fail(s.transition(id, "reviewed", { actor: "lead" }), /summary/);
    await s.transition(id, "reviewed", { actor: "lead", note: "detected in 30 s; rebuttal out in 10 min" });
    await fail(s.transition(id, "open", { actor: "lead" }), /reviewed is final/);
    await fail(s.transition("INC-nope", "assessing", { actor: "lead" }), /not found/, "NOT_FOUND");

    const kinds = (await s.timeline(id)).map((e) => `${e.kind}:${e.state}`);
    expect(kinds).toEqual([
      "opened:open",
      "state:assessing",
      "state:responding",
      "statement:responding",
      "action:responding",
      "state:resolved",
      "state:reviewed",
    ]);
    const md = await s.report(id);
    expect(md).toMatch(/The dam has not burst/);
    expect(md).toMatch(/removed 12 posts/);
    expect(md).toMatch(/Time to respond: \d/);
    // Reviewed is closed for good: the same key flaring again opens a new incident.
    const again = await s.applySpike(spike("life"), "life-2");
    expect(again.outcome).toBe("opened");
    expect(again.id).not.toBe(id);
  });

  it("re-grades as evidence grows, proposes resolving when quiet, reopens within the cool-down", async () => {
    let clock = Date.now();
    const s = service(redis, () => clock);
    const small = spike("grow", { flagged: 8, posts: 9, authors: 6, evidence: 6.5 });
    const { id } = await s.applySpike(small, "grow-1");
    const g0 = (await s.get(id)).grade;
    const big = spike("grow", { flagged: 400, posts: 420, authors: 300, evidence: 40 });
    await s.applySpike(big, "grow-2");
    const inc = await s.get(id);
    expect(inc.grade).toBeLessThan(g0);
    const regraded = (await s.timeline(id)).find((e) => e.kind === "regraded");
    expect(regraded?.from).toBe(g0);
    expect(regraded?.figures?.flagged).toBe(400);
    expect(regraded?.text).toMatch(/points/);

    clock += 61_000;
    await s.refresh();
    expect((await s.get(id)).resolveProposedAt).toBe(clock);
    await s.refresh();
    expect((await s.timeline(id)).filter((e) => e.kind === "resolve_proposed")).toHaveLength(1);

    await s.transition(id, "resolved", { actor: "lead" });
    clock += 5_000;
    // The detector sees the key again (its spike record's last detection moves on).
    await redis.hset(keys.spike("rumour", keys.tag("hashtag", "grow")), "lastDetectedAt", clock);
    await s.refresh();
    const reopened = await s.get(id);
    expect(reopened.state).toBe("open");
    expect(reopened.reopenCount).toBe(1);
    expect((await s.timeline(id)).at(-1)?.kind).toBe("reopened");

    // After the cool-down a flare is a new incident.
    await s.transition(id, "resolved", { actor: "lead" });
    clock += 601_000;
    const later = await s.applySpike(spike("grow", { detectedAt: clock }), "grow-3");
    expect(later.outcome).toBe("opened");
    expect(later.id).not.toBe(id);
  });
});

describe("technical faults", () => {
  it("opens a grade-IV technical incident while Redis is unreachable and resolves it when healthy", async () => {
    const s = service();
    // A client pointed at a closed port stands in for a worker starved of Redis.
    const dead = new Redis({
      port: 1,
      host: "127.0.0.1",
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on("error", () => undefined);
    let probe: () => Promise<unknown> = () => dead.set(keys.healthProbe(), "x");
    const t = cfg.pipeline.incidents!.technical;
    const events = new Events();
    const w = new HealthWatcher({
      events,
      thresholds: t,
      probe: () => probe(),
      onBad: async (signal, value, text, since) => {
        await s.reportFault(signal, value, text, since, "test-worker");
      },
      onHealthy: async (signal, text) => {
        await s.clearFault(signal, text, t.healthySeconds * 1000);
      },
    });
    try {
      await w.tick();
      expect(w.bad).toEqual(["redis"]);
      const inc = await s.ownerOf("technical", "{technical:redis}");
      expect(inc).toMatchObject({ type: "technical", grade: 4, state: "open", group: "on-call" });
      expect((await s.timeline(inc!.id))[0]?.text).toMatch(/did not answer/);
      // Processing errors from other stages count too.
      for (let i = 0; i < t.maxErrors; i++) events.emit("stepError", { stage: "windows", error: new Error("x") });
      await w.tick();
      expect(w.bad.sort()).toEqual(["errors", "redis"]);

      probe = () => redis.set(keys.healthProbe(), "x");
      const done = await eventually(
        "technical incident resolved",
        async () => {
          await w.tick();
          return (await s.get(inc!.id)).state;
        },
        (st) => st === "resolved",
        15_000,
      );
      expect(done).toBe("resolved");
      expect((await s.timeline(inc!.id)).at(-1)).toMatchObject({ kind: "state", state: "resolved", actor: "system" });
    } finally {
      w.close();
      dead.disconnect();
    }
  });
});

describe("evidence samples", () => {
  const sampled = (id: string, tags: string[]): SampledPost => ({
    id,
    authorId: `a-${id}`,
    followers: 5,
    text: `shared copy ${id}`,
    createdAt: new Date().toISOString(),
    scores: { rumour: 0.9, abuse: 0, attack: 0, data_leak: 0 },
    tags,
  });

  it("keeps one copy of a post however many samples take it, and a replay takes no slot", async () => {
    const s = service();
    const tags = ["a", "b", "c"].map((k) => keys.tag("hashtag", `shared-${k}`));
    const offer = async (p: SampledPost) => {
      const pipe = batch(redis);
      s.store.sampleAdd(pipe, tags, p, 2, 600);
      return execChecked(pipe);
    };
    for (const id of ["s1", "s2"]) await offer(sampled(id, tags));
    const replay = await offer(sampled("s1", tags));
    expect(replay.at(-1)?.[1]).toBe(0);
    for (const t of tags) {
      expect((await s.store.sample(t)).map((p) => p.id).sort()).toEqual(["s1", "s2"]);
      // The sample holds ids only: no slot carries a post's text.
      expect(Object.values(await redis.hgetall(keys.evidenceSample(t))).join(" ")).not.toContain("shared copy");
    }
    expect(JSON.parse((await redis.get(keys.evidencePost("s1")))!)).toMatchObject({ id: "s1", tags });
    // Posts drawn later replace slots: each slot's post, and only those, is known as held.
    for (let i = 3; i < 40; i++) await offer(sampled(`s${i}`, tags));
    for (const t of tags) {
      const h = await redis.hgetall(keys.evidenceSample(t));
      const held = Object.entries(h).filter(([f]) => f.startsWith("h"));
      expect(h.n).toBe("39");
      expect(held.map(([f, slot]) => `${f.slice(1)}@${slot}`).sort()).toEqual([`${h.i0}@0`, `${h.i1}@1`].sort());
    }
  });

  it("reads slots written before the copies were shared, and a post whose copy expired is left out", async () => {
    const s = service();
    const tag = keys.tag("hashtag", "old-format");
    await redis.hset(
      keys.evidenceSample(tag),
      "n",
      2,
      "i0",
      "o1",
      "p0",
      JSON.stringify(sampled("o1", [tag])),
      "i1",
      "gone",
    );
    expect((await s.store.sample(tag)).map((p) => p.id)).toEqual(["o1"]);
  });
});

describe("drill: burst → detector → incident → Kafka", () => {
  it("a rumour burst opens a graded rumour incident with evidence, published on the incidents topic", async () => {
    const { pipeline, events } = testPipeline(cfg, redis, producer, markerScorer);
    const s = service();
    events.on("stepEvidence", (e) => {
      void recordEvidence(
        {
          redis,
          keys,
          store: s.store,
          perKey: 20,
          bucketSeconds: cfg.pipeline.windows.bucketSeconds,
          retentionSeconds: 600,
        },
        e,
      );
    });
    const now = Date.now();
    const background = Array.from({ length: 300 }, (_, i) =>
      post(`bg${i}`, { createdAt: new Date(now - 40_000).toISOString() }),
    );
    await pipeline.handleStep({ topic: "t", partition: 1, messages: messages(background) });
    const burst = Array.from({ length: 40 }, (_, i) =>
      post(`r${i}`, {
        author: { id: `u${i}`, followers: 2000, accountAgeDays: 300 },
        createdAt: new Date(now - 2000).toISOString(),
        hashtags: ["damburst"],
        text: `RUMOUR the upstream dam has burst, share before it is deleted ${i}`,
      }),
    );
    await pipeline.handleStep({ topic: "t", partition: 0, messages: messages(burst) });
    await eventually(
      "evidence sampled",
      () => s.store.sample(keys.tag("hashtag", "damburst")),
      (x) => x.length > 0,
      10_000,
    );

    const detector = new Detector({ reader: new WindowReader(redis, keys), keys, config: cfg.pipeline, events, log });
    const spikes = await detector.tick();
    expect(spikes.map((x) => `${x.type}:${x.kind}:${x.key}`)).toContain("rumour:hashtag:damburst");

    const feed = new SpikeFeed({ redis, keys, consumer: "drill", apply: (sp, ref) => s.applySpike(sp, ref) });
    await feed.poll();
    const inc = await s.ownerOf("rumour", keys.tag("hashtag", "damburst"));
    expect(inc).toBeDefined();
    // 40 flagged posts from 40 authors with 80k followers, out of silence: grade III, a
    // sizeable but not platform-wide rumour.
    expect(inc).toMatchObject({ type: "rumour", state: "open", grade: 3, source: "spike" });
    expect(inc!.figures.authors).toBe(40);
    expect(inc!.figures.reach).toBe(80_000);
    // The burst's near-duplicate text clusters are the same incident: every rumour spike of the
    // tick, on the hashtag or on a band key, belongs to it.
    const rumourSpikes = spikes.filter((x) => x.type === "rumour");
    expect(rumourSpikes.some((x) => x.kind === "cluster")).toBe(true);
    const owners = await Promise.all(rumourSpikes.map((x) => s.ownerOf("rumour", keys.tag(x.kind, x.key))));
    expect(new Set(owners.map((o) => o?.id))).toEqual(new Set([inc!.id]));
    expect(
      (await s.list({ type: "rumour" })).filter((i) => i.openedAt >= now && i.openedAt <= Date.now()),
    ).toHaveLength(1);
    const evidence = await s.store.evidence(inc!.id);
    expect(evidence.length).toBeGreaterThan(0);
    expect(evidence[0]?.text).toMatch(/RUMOUR/);

    await s.addStatement(inc!.id, "辟谣: the dam is intact.", "lead");
    const publisher = new Publisher({
      redis,
      keys,
      producer,
      consumer: "drill",
      incidentsTopic: cfg.pipeline.kafka.topics.incidents,
      statementsTopic,
      ensureStatementsTopic: () => ensureTopic(kafkaClient(cfg), statementsTopic, 1),
    });
    expect(await publisher.poll()).toBeGreaterThan(0);
    const out = await readTopic(cfg.pipeline.kafka.topics.incidents, (v) =>
      v.some((m) => m.startsWith(`${inc!.id} `) && m.includes('"kind":"statement"')),
    );
    const opened = out.find((m) => m.startsWith(`${inc!.id} `) && m.includes('"kind":"opened"'));
    expect(JSON.parse(opened!.slice(inc!.id.length + 1))).toMatchObject({ type: "rumour", grade: 3, state: "open" });
    await readTopic(statementsTopic, (v) => v.some((m) => m.includes("the dam is intact")));
  });
});
