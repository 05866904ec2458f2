// A poison-message storm: 10% of the firehose malformed, of every kind the decoder knows (empty,
// too large, invalid UTF-8, not JSON, __proto__ keys, wrong shape, text too long, event time out of
// range) plus deeply
// nested JSON and huge numbers. Every one is dead-lettered with its reason, exactly once, and every
// good post around them is counted exactly. The storm's cost in throughput is a benchmark
// (`npm run bench -- poison`), not asserted here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Message } from "kafkajs";
import type { Config } from "../../src/config";
import { startWorker } from "../../src/worker/main";
import { normalise } from "../../src/normalise";
import type { Scorer } from "../../src/score/scorer";
import { Synth } from "../../src/replay/synth";
import { loadDefaultScorer } from "../../src/worker/scoring";
import { createKafka, ensureTopics } from "../../src/source/kafka";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";
import {
  POISON_KINDS,
  REASON,
  msg,
  poison,
  poisonKindOf,
  publishExactly,
  readTopic,
  streamPosts,
  topicSize,
} from "./support";

/** Good posts per run; the poison runs add one malformed message per nine good ones (10% of all). */
const GOOD = 20_000;

let redis: RedisClient;
let scorer: Scorer | undefined;
const used: Config[] = [];

beforeAll(async () => {
  scorer = await loadDefaultScorer(log);
  redis = redisClient(isolatedConfig("poison"));
});

afterAll(async () => {
  for (const cfg of used) {
    await cleanRedis(redis, cfg);
    await deleteTopics(cfg);
  }
  redis.disconnect();
});

interface Run {
  poisoned: boolean;
  /** Good posts per second, from the first step's start to the step that completed the good posts. */
  goodPerSec: number;
  /** Good posts per CPU second of this process (the worker runs in it), for comparison: not what is asserted. */
  goodPerCpuSec: number;
  cfg: Config;
  poisonKeys: string[];
}

/** Publishes one run's messages: `good` posts (the same ones every run), poisoned or not. */
async function prepare(i: number, good: number, poisoned: boolean) {
  const cfg = isolatedConfig(`poison${i}`);
  used.push(cfg);
  const synth = new Synth({ seed: 17, authors: 5000, zhShare: 0.5, startMs: Date.now(), ratePerSec: 2000 });
  const messages: Message[] = [];
  const poisonKeys: string[] = [];
  for (let n = 0; n < good; n++) {
    messages.push(msg(synth.post()));
    if (poisoned && n % 9 === 8) {
      const m = poison(poisonKeys.length, `r${i}`, cfg.pipeline.limits);
      poisonKeys.push(String(m.key));
      messages.push(m);
    }
  }
  await ensureTopics(createKafka(cfg, log), cfg);
  const topic = cfg.pipeline.kafka.topics.posts;
  await publishExactly(kafkaClient(cfg), topic, messages);
  // Exactly these messages are on the topic: whatever the worker counts beyond them, it counted twice.
  expect(await topicSize(kafkaClient(cfg), topic)).toBe(messages.length);
  return { cfg, poisonKeys, good, poisoned };
}

/**
 * Starts a worker on a run whose messages are all on the topic already (its pace is the measure),
 * waits for every good post and every dead letter, and returns the run with the worker's close
 * still under way (a kafkajs consumer takes up to its 5 s fetch wait to leave).
 */
async function measure(r: Awaited<ReturnType<typeof prepare>>): Promise<{ run: Run; closed: Promise<void> }> {
  const worker = await startWorker(r.cfg, log, { normalise, scorer });
  let first = 0;
  let last = 0;
  let cpuFrom: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let good = 0;
  let dead = 0;
  // A step that fails again and again never completes (its offsets are never committed): stop early.
  const errors: string[] = [];
  worker.events.on("stepError", (e) => errors.push(e.error.message));
  worker.events.on("batch", (b) => {
    if (first === 0) {
      first = performance.now() - b.ms;
      cpuFrom = process.cpuUsage();
    }
    good += b.valid;
    dead += b.deadLettered;
    if (good >= r.good && last === 0) {
      last = performance.now();
      cpu = process.cpuUsage(cpuFrom);
    }
  });
  try {
    await eventually(
      `${r.cfg.pipeline.redis.prefix}: every good post processed`,
      async () => good,
      (n) => n >= r.good || errors.length >= 5,
      90_000,
    );
    expect(good, `steps keep failing: ${errors.slice(0, 1).join("")}`).toBeGreaterThanOrEqual(r.good);
    await eventually(
      `${r.cfg.pipeline.redis.prefix}: every poison message dead-lettered`,
      async () => dead,
      (n) => n >= r.poisonKeys.length,
      30_000,
    );
  } catch (err) {
    await worker.close();
    throw err;
  }
  const cpuMs = cpu ? (cpu.user + cpu.system) / 1000 : NaN;
  const run = {
    poisoned: r.poisoned,
    goodPerSec: (r.good * 1000) / (last - first),
    goodPerCpuSec: (r.good * 1000) / cpuMs,
    cfg: r.cfg,
    poisonKeys: r.poisonKeys,
  };
  return { run, closed: worker.close() };
}

describe("poison message storm", () => {
  it("dead-letters every malformed message with its reason, exactly once, and counts every good post", async () => {
    const m = await measure(await prepare(0, GOOD, true));
    await m.closed;
    const runs: Run[] = [m.run];

    const totals = await Promise.all(runs.map((r) => streamPosts(redis, r.cfg)));
    const summary = runs
      .map(
        (r, i) =>
          `${r.poisoned ? "poison" : "clean"} ${Math.round(r.goodPerSec)}/s, ${Math.round(r.goodPerCpuSec)}/cpu-s (${totals[i]} counted)`,
      )
      .join(", ");
    for (const t of totals) expect(t, `good posts counted exactly: ${summary}`).toBe(GOOD);

    const poisoned = runs.filter((r) => r.poisoned);
    const letters = await Promise.all(
      poisoned.map((r) => readTopic(kafkaClient(r.cfg), r.cfg.pipeline.kafka.topics.deadLetter)),
    );
    for (const [i, r] of poisoned.entries()) {
      expect(r.poisonKeys.length / (GOOD + r.poisonKeys.length)).toBeCloseTo(0.1, 2);
      expect([...new Set(r.poisonKeys.map(poisonKindOf))].sort()).toEqual([...POISON_KINDS].sort());
      const dlq = letters[i] ?? [];
      // No crash here, so exactly once each, with the reason its kind calls for.
      expect(dlq.length).toBe(r.poisonKeys.length);
      const reasons = new Map(dlq.map((d) => [d.key, d.reason]));
      for (const key of r.poisonKeys) expect(reasons.get(key), key).toBe(REASON[poisonKindOf(key)]);
    }

    console.info(`[faults] poison storm: ${summary}`);
  });
});
