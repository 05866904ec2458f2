// Poison storm benchmark: the same good posts on two topics, one clean and one with a malformed
// message of every kind after each nine good posts (10% of all messages), and the worker's
// good-post throughput on each. Clean and poison runs alternate within one run, so the machine's
// drifting load falls on both; medians are compared. Target: the storm costs at most 20%.
import { randomBytes } from "node:crypto";
import type { Kafka, Message } from "kafkajs";
import { Redis } from "ioredis";
import type { Config } from "../src/config";
import { createLogger } from "../src/log";
import { normalise } from "../src/normalise";
import type { Scorer } from "../src/score/scorer";
import { loadBenignCorpus } from "../src/replay/corpus";
import { poison } from "../src/replay/poison";
import { postMessages, publish } from "../src/replay/producer";
import { Synth } from "../src/replay/synth";
import { defaultDataDir } from "../src/cli/score";
import { createKafka } from "../src/source/kafka";
import { deleteTopic, dropPrefix, round } from "./kafka-util";
import { benchConfig, timedWorker, type WorkerRun } from "./worker-run";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function topicOf(kafka: Kafka, messages: Message[], partitions: number): Promise<string> {
  const topic = `bench-poison-${randomBytes(4).toString("hex")}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  await publish(messages, { kafka, topic, rate: 0 });
  return topic;
}

export async function benchPoison(o: {
  config: Config;
  count: number;
  rounds: number;
  scorer?: Scorer;
  say: (l: string) => void;
}) {
  const log = createLogger("warn", "bench");
  const kafka = createKafka(o.config, log);
  const redis = new Redis(o.config.redisUrl);
  const synth = new Synth({
    seed: 17,
    authors: 5000,
    zhShare: 0.5,
    startMs: Date.now(),
    ratePerSec: 2000,
    corpus: loadBenignCorpus(defaultDataDir()),
  });
  const good = [...postMessages(Array.from({ length: o.count }, () => synth.post()))];
  const poisoned: Message[] = [];
  let bad = 0;
  good.forEach((m, i) => {
    poisoned.push(m);
    if (i % 9 === 8) poisoned.push(poison(bad++, "bench", o.config.pipeline.limits));
  });
  o.say(`pre-loading ${good.length} good posts, and the same with ${bad} poison messages`);
  const clean = await topicOf(kafka, good, 4);
  const storm = await topicOf(kafka, poisoned, 4);
  const deps = { normalise, scorer: o.scorer };
  const runs: { clean: WorkerRun[]; poison: WorkerRun[] } = { clean: [], poison: [] };
  try {
    for (let r = 1; r <= o.rounds; r++) {
      for (const [kind, topic, total] of [
        ["clean", clean, good.length],
        ["poison", storm, poisoned.length],
      ] as const) {
        o.say(`round ${r}/${o.rounds}: ${kind}...`);
        const cfg = benchConfig(o.config, topic, (p) => p);
        const run = await timedWorker(cfg, log, total, deps);
        runs[kind].push(run);
        await dropPrefix(redis, run.prefix);
        await deleteTopic(kafka, cfg.pipeline.kafka.topics.deadLetter);
        await deleteTopic(kafka, cfg.pipeline.kafka.topics.reports);
      }
    }
  } finally {
    await deleteTopic(kafka, clean);
    await deleteTopic(kafka, storm);
    redis.disconnect();
  }
  const goodPerSec = (rs: WorkerRun[]) => rs.map((r) => Math.round(o.count / r.seconds));
  const cleanRates = goodPerSec(runs.clean);
  const poisonRates = goodPerSec(runs.poison);
  const ratio = round(median(poisonRates) / median(cleanRates), 2);
  return {
    goodPosts: o.count,
    poisonMessages: bad,
    poisonShare: round(bad / poisoned.length, 3),
    cleanGoodPerSec: cleanRates,
    poisonGoodPerSec: poisonRates,
    ratio,
    target: 0.8,
    met: ratio >= 0.8,
  };
}
