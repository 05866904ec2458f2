// SIGKILL the worker process five times during a replay, restarting it each time. The replay
// carries a drill scenario (a rumour spreading), so an incident opens part-way through, and 1%
// poison messages. Afterwards: every post counted exactly once, in the stream total and under
// every hashtag (each post has one of its own, so every post id is checked) and mention; one
// rumour incident, opened once; every poison message dead-lettered, repeats within the
// at-least-once bound; committed Kafka offsets never ahead of what Redis holds.
//
// The bound: windows are exact (a step's partition mark and per-bucket guards make a replayed
// step count nothing twice), so the window totals must equal the posts published. Dead letters
// are at-least-once: a kill can repeat the dead letters of the steps in flight, at most
// partitionsConcurrently steps of maxBatchMessages messages each, per kill.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Message } from "kafkajs";
import type { Post } from "../../src/domain";
import { SCENARIOS } from "../../src/drill/scenarios";
import { Keys } from "../../src/keys";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, kafkaClient, redisClient } from "../helpers/env";
import {
  REASON,
  background,
  exactWindows,
  expectedKeyCounts,
  incidents,
  killHard,
  removeWorkerFiles,
  msg,
  poison,
  poisonKindOf,
  publishExactly,
  readTopic,
  spawnWorker,
  stopWorker,
  streamPosts,
  topicSize,
  type WorkerProcess,
} from "./support";
import { burstIncidents, expectBurstIncidentOnce, expectCountedExactly } from "./checks";

const cfg = isolatedConfig("kill5", (p) =>
  exactWindows({ ...p, kafka: { ...p.kafka, maxBatchMessages: 500, sessionTimeoutMs: 7000 } }),
);
const keys = new Keys(cfg.pipeline.redis.prefix);
const KILLS = 5;
/** Background posts, published at RATE per second with matching event times, so detection sees them live. */
const N = 36_000;
const RATE = 600;
/** One poison message per this many. */
const POISON_EVERY = 100;
let redis: RedisClient;
const workers: WorkerProcess[] = [];

function start(): WorkerProcess {
  const w = spawnWorker(cfg);
  workers.push(w);
  return w;
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
  for (const { partition, offset } of committed?.partitions ?? []) {
    if (Number(offset) < 0) continue;
    const mark = keys.partitionMark(cfg.pipeline.kafka.topics.posts, partition);
    const applied = Number((await redis.hget(mark, "applied")) ?? -1);
    expect(Number(offset) - 1, `partition ${partition}`).toBeLessThanOrEqual(applied);
  }
}

beforeAll(() => {
  redis = redisClient(cfg);
});

afterAll(async () => {
  for (const w of workers) await killHard(w);
  removeWorkerFiles(cfg);
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("five worker crashes", () => {
  it("loses no post, counts none twice, opens one incident and bounds the repeats", async () => {
    const t0 = Date.now();
    const posts: Post[] = background(N, { seed: 5, startMs: t0, rate: RATE, idPrefix: "k" });
    const rumour = SCENARIOS.find((s) => s.name === "rumour")!;
    // The burst starts 4 s in and lasts 20 s, while the worker is being killed.
    const burst = rumour.posts(t0 + 4000, 7);
    posts.push(...burst);
    posts.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const messages: Message[] = [];
    const poisonKeys: string[] = [];
    posts.forEach((p, i) => {
      messages.push(msg(p));
      if (i % POISON_EVERY === POISON_EVERY - 1) {
        const m = poison(poisonKeys.length, "kill", cfg.pipeline.limits);
        poisonKeys.push(String(m.key));
        messages.push(m);
      }
    });

    let worker = start();
    const topic = cfg.pipeline.kafka.topics.posts;
    const replay = publishExactly(kafkaClient(cfg), topic, messages, RATE);
    const service = incidents(redis, cfg);
    const rumourIncidents = burstIncidents(service, keys, burst);

    const total = posts.length;
    const killedAt: number[] = [];
    // Each kill waits until the worker it kills has counted posts of its own (it is mid-replay,
    // not still starting), and until `ready`.
    const kill = async (why: string, ready: () => Promise<boolean> = async () => true) => {
      const floor = Math.min(total - 300, (killedAt.at(-1) ?? 0) + 1000);
      await eventually(
        why,
        async () => (await streamPosts(redis, cfg)) >= floor && (await ready()),
        (ok) => ok,
        120_000,
      );
      killedAt.push(await streamPosts(redis, cfg));
      console.info(
        `[faults] kill ${killedAt.length} at ${killedAt.at(-1)} posts, ${Math.round((Date.now() - t0) / 1000)}s`,
      );
      await killHard(worker);
      await expectCommitsBehindRedis();
      worker = start();
    };
    await kill("progress before kill 1");
    await kill("progress before kill 2");
    // Each kill costs the detector its lease (three ticks) and the restart: the incident opens in
    // the gap that follows. Kill 3 comes right after it, so its spike, evidence and outbox are
    // replayed too; kills 4 and 5 follow while the replay still runs.
    await kill("the rumour incident opens before kill 3", async () => (await rumourIncidents()).length > 0);
    await kill("progress before kill 4");
    await kill("progress before kill 5");
    expect(killedAt).toHaveLength(KILLS);

    // Every kill landed while posts were still on their way.
    expect(
      killedAt.every((n) => n < total),
      killedAt.join(", "),
    ).toBe(true);
    expect(await replay).toBe(messages.length);
    expect(await topicSize(kafkaClient(cfg), topic)).toBe(messages.length);
    await eventually(
      "every post counted",
      () => streamPosts(redis, cfg),
      (n) => n >= total,
      120_000,
    );
    // Once the whole topic is committed no re-delivery is left to come: exactness can be asserted.
    await expectCountedExactly(redis, cfg, keys, posts);
    await expectCommitsBehindRedis();

    // One rumour incident for the burst, opened once, whatever was replayed; published once per (kind, at).
    const opened = await expectBurstIncidentOnce(service, keys, burst, kafkaClient(cfg), cfg);

    // Every poison message dead-lettered with its reason; repeats within the bound.
    const dlq = await readTopic(kafkaClient(cfg), cfg.pipeline.kafka.topics.deadLetter);
    const reasons = new Map(dlq.map((d) => [d.key, d.reason]));
    for (const key of poisonKeys) expect(reasons.get(key), key).toBe(REASON[poisonKindOf(key)]);
    const repeats = dlq.length - new Set(dlq.map((d) => `${d.partition}/${d.offset}`)).size;
    const perStep = Math.ceil(cfg.pipeline.kafka.maxBatchMessages / POISON_EVERY) + 1;
    const bound = KILLS * cfg.pipeline.kafka.partitionsConcurrently * perStep;
    expect(repeats).toBeLessThanOrEqual(bound);

    console.info(
      `[faults] ${KILLS} SIGKILLs at ${killedAt.join(", ")} posts counted: ${total} posts counted exactly ` +
        `(stream and ${expectedKeyCounts(keys, posts).size} keys); incident ${opened.id} opened once ` +
        `(${opened.openedMessages} "opened" message(s) on the incidents topic); ${poisonKeys.length} poison messages, ` +
        `${repeats} dead-lettered twice (bound ${bound}); ${Math.round((Date.now() - t0) / 1000)}s`,
    );
    expect(await stopWorker(worker)).toBe(0);
  }, 240_000);
});
