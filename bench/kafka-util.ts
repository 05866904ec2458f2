// Shared by the benchmarks: a throwaway topic pre-loaded with synthetic posts, and a timed consume.
import type { Post } from "../src/domain";
import { randomBytes } from "node:crypto";
import type { Kafka, KafkaMessage } from "kafkajs";
import type { Redis } from "ioredis";
import { publish, postMessages } from "../src/replay/producer";
import { Synth } from "../src/replay/synth";
import type { Corpus } from "../src/replay/corpus";

/** The posts every pre-loaded topic holds: the same `count` posts for a corpus, whenever generated. */
export function* benchPosts(count: number, corpus?: Corpus): Generator<Post> {
  const synth = new Synth({ seed: 7, authors: 50_000, zhShare: 0.5, startMs: Date.now(), ratePerSec: 20_000, corpus });
  for (let i = 0; i < count; i++) yield synth.post();
}

export async function preloadTopic(
  kafka: Kafka,
  count: number,
  partitions: number,
  say: (line: string) => void,
  corpus?: Corpus,
): Promise<string> {
  const topic = `bench-${randomBytes(4).toString("hex")}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  const posts = () => benchPosts(count, corpus);
  let last = 0;
  await publish(postMessages(posts()), {
    kafka,
    topic,
    rate: 0,
    onProgress: (n) => {
      if (n - last >= count / 10 || n === count) say(`pre-loading ${topic}: ${n}/${count}`);
      last = n - (n % Math.ceil(count / 10));
    },
  });
  return topic;
}

export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}

export interface ConsumeResult {
  posts: number;
  seconds: number;
  postsPerSec: number;
  cpuSeconds: number;
  rssMb: number;
}

/** Consumes `count` messages with a fresh group, timing from the first batch to the last. */
export async function timedConsume(
  kafka: Kafka,
  topic: string,
  count: number,
  work: (messages: KafkaMessage[]) => void | Promise<void>,
): Promise<ConsumeResult> {
  const consumer = kafka.consumer({
    groupId: `bench-${randomBytes(4).toString("hex")}`,
    maxBytesPerPartition: 4 << 20,
    maxBytes: 16 << 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (t0 === 0) {
          t0 = performance.now();
          cpu0 = process.cpuUsage();
        }
        await work(batch.messages);
        seen += batch.messages.length;
        if (seen >= count) resolve(performance.now());
      },
    });
  });
  const t1 = await done;
  const cpu = process.cpuUsage(cpu0);
  await consumer.disconnect();
  const seconds = (t1 - t0) / 1000;
  return {
    posts: seen,
    seconds: round(seconds),
    postsPerSec: Math.round(seen / seconds),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Deletes every key under a run's Redis prefix; returns how many there were. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<number> {
  let n = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 2000 }) as AsyncIterable<string[]>) {
    n += keys.length;
    if (keys.length) await redis.unlink(...keys);
  }
  return n;
}
