// Soak: a worker under a steady stream of posts that each bring a new hashtag and a new author,
// with a short window retention so the run reaches steady state in minutes. Samples Redis memory,
// key count and the worker's heap every interval; flat figures after the first retention period
// mean memory is bounded by rate × retention, not by how many distinct keys have ever been seen.
import { Redis } from "ioredis";
import type { Config } from "../src/config";
import { Events } from "../src/events";
import { createLogger } from "../src/log";
import { startWorker } from "../src/worker/main";
import { normalise } from "../src/normalise";
import type { Scorer } from "../src/score/scorer";
import { postMessages, publish } from "../src/replay/producer";
import { Synth } from "../src/replay/synth";
import { loadBenignCorpus } from "../src/replay/corpus";
import { defaultDataDir } from "../src/cli/score";
import { createKafka } from "../src/source/kafka";
import { deleteTopic } from "./kafka-util";
import { benchConfig } from "./worker-run";

export interface SoakSample {
  atSeconds: number;
  posts: number;
  redisUsedMb: number;
  /** Memory of this run's own keys (MEMORY USAGE summed), unlike used_memory, which is all of Redis. */
  ownKeysMb: number;
  redisKeys: number;
  heapUsedMb: number;
  rssMb: number;
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

export async function benchSoak(o: {
  config: Config;
  seconds: number;
  rate: number;
  retentionSeconds: number;
  sampleSeconds: number;
  scorer?: Scorer;
  say: (l: string) => void;
}) {
  const log = createLogger("warn", "soak");
  const topic = `soak-${Date.now()}`;
  const cfg = benchConfig(o.config, topic, (p) => ({
    ...p,
    windows: { ...p.windows, retentionSeconds: o.retentionSeconds },
    detect: { ...p.detect, watchSeconds: o.retentionSeconds },
    metrics: { host: "127.0.0.1", port: 0 },
  }));
  const kafka = createKafka(cfg, log);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }] });
  await admin.disconnect();
  const redis = new Redis(cfg.redisUrl);
  const events = new Events();
  let consumed = 0;
  events.on("batch", (b) => (consumed += b.messages));
  // The whole worker: every extension (incidents, review queue, metrics) runs as in production.
  const worker = await startWorker(cfg, log, { normalise, scorer: o.scorer, events });
  const t0 = Date.now();
  const samples: SoakSample[] = [];
  const sample = async () => {
    const info = await redis.info("memory");
    let keys = 0;
    let ownBytes = 0;
    for await (const batch of redis.scanStream({
      match: `${cfg.pipeline.redis.prefix}:*`,
      count: 5000,
    }) as AsyncIterable<string[]>) {
      keys += batch.length;
      const pipe = redis.pipeline();
      for (const k of batch) pipe.memory("USAGE", k);
      for (const [, v] of (await pipe.exec()) ?? []) ownBytes += Number(v ?? 0);
    }
    const m = process.memoryUsage();
    const s: SoakSample = {
      atSeconds: Math.round((Date.now() - t0) / 1000),
      posts: consumed,
      redisUsedMb: mb(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)),
      ownKeysMb: mb(ownBytes),
      redisKeys: keys,
      heapUsedMb: mb(m.heapUsed),
      rssMb: mb(m.rss),
    };
    samples.push(s);
    o.say(
      `soak ${s.atSeconds}s/${o.seconds}s: ${s.posts} posts, own keys ${s.ownKeysMb} MB / ${s.redisKeys} keys (redis ${s.redisUsedMb} MB), heap ${s.heapUsedMb} MB`,
    );
  };
  // One sample at a time (with tens of thousands of keys a sample can take longer than the
  // interval); the last one is awaited before the worker stops and the client disconnects.
  let sampling: Promise<void> | undefined;
  const timer = setInterval(() => {
    sampling ??= sample()
      .catch((err: unknown) => o.say(`soak: sample failed: ${(err as Error).message}`))
      .finally(() => (sampling = undefined));
  }, o.sampleSeconds * 1000);
  try {
    const synth = new Synth({
      seed: 11,
      authors: 1000,
      zhShare: 0.5,
      startMs: Date.now(),
      ratePerSec: o.rate,
      freshKeys: true,
      idPrefix: "soak",
      corpus: loadBenignCorpus(defaultDataDir()),
    });
    function* posts() {
      while (Date.now() - t0 < o.seconds * 1000) yield { ...synth.post(), createdAt: new Date().toISOString() };
    }
    await publish(postMessages(posts()), { kafka, topic, rate: o.rate });
  } finally {
    clearInterval(timer);
    await sampling;
    await sample().catch((err: unknown) => o.say(`soak: sample failed: ${(err as Error).message}`));
    const stopping = Date.now();
    await worker.close();
    o.say(`soak: worker stopped in ${((Date.now() - stopping) / 1000).toFixed(1)}s`);
    for await (const batch of redis.scanStream({
      match: `${cfg.pipeline.redis.prefix}:*`,
      count: 5000,
    }) as AsyncIterable<string[]>)
      if (batch.length) await redis.unlink(...batch);
    redis.disconnect();
    await deleteTopic(kafka, topic);
  }
  // Steady state begins once the first retention period (plus a bucket) has passed.
  const steady = samples.filter((s) => s.atSeconds >= o.retentionSeconds + 20);
  const range = (f: (s: SoakSample) => number) =>
    steady.length ? { min: Math.min(...steady.map(f)), max: Math.max(...steady.map(f)) } : null;
  return {
    benchmark: "soak",
    seconds: o.seconds,
    rate: o.rate,
    retentionSeconds: o.retentionSeconds,
    posts: consumed,
    steady: {
      redisUsedMb: range((s) => s.redisUsedMb),
      ownKeysMb: range((s) => s.ownKeysMb),
      redisKeys: range((s) => s.redisKeys),
      heapUsedMb: range((s) => s.heapUsedMb),
      rssMb: range((s) => s.rssMb),
    },
    samples,
  };
}
