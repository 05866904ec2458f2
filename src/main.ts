// Wires config → Kafka, Redis and the pipeline; closes everything in reverse order.
import { Partitioners, type Consumer, type Producer } from "kafkajs";
import { Redis } from "ioredis";
import type { Config } from "./config";
import { Events } from "./events";
import type { Logger } from "./log";
import { Pipeline, type Scorer } from "./pipeline";
import { startConsumer } from "./source/consumer";
import { DeadLetter } from "./source/deadletter";
import { createKafka, ensureTopics } from "./source/kafka";
import { Keys } from "./windows/keys";
import { RedisWindowStore } from "./windows/store";
import { WindowReader } from "./windows/reader";
import { Detector } from "./detector";
import type { Extension } from "./context";
import { workerExtensions } from "./extensions";

export interface Worker {
  events: Events;
  redis: Redis;
  keys: Keys;
  close(): Promise<void>;
}

export interface WorkerOptions {
  normalise: (text: string) => string;
  scorer?: Scorer;
  events?: Events;
  /** Defaults to every extension in src/extensions.ts. */
  extensions?: Extension[];
}

export function createRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    enableAutoPipelining: false,
  });
  let down = false;
  redis.on("error", (err) => {
    if (!down) log.warn({ err: err.message }, "redis connection error");
    down = true;
  });
  redis.on("ready", () => {
    if (down) log.info("redis connection restored");
    down = false;
  });
  return redis;
}

export async function startWorker(cfg: Config, log: Logger, opts: WorkerOptions): Promise<Worker> {
  const p = cfg.pipeline;
  const events = opts.events ?? new Events();
  const kafka = createKafka(cfg, log);
  await ensureTopics(kafka, cfg);
  const redis = createRedis(cfg.redisUrl, log);
  const keys = new Keys(p.redis.prefix);
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started: { close(): Promise<void> }[] = [];
  for (const ext of opts.extensions ?? workerExtensions)
    started.push(await ext({ cfg, log, events, redis, kafka, producer, keys }));
  const pipeline = new Pipeline({
    topics: p.kafka.topics,
    limits: p.limits,
    bucketSeconds: p.windows.bucketSeconds,
    keyWindows: {
      enabled: p.windows.keyWindows,
      promoteMinPosts: p.windows.promoteMinPosts,
      hotRefreshMs: p.windows.hotRefreshMs,
      newAccountDays: p.windows.newAccountDays,
      sampleUnflagged: p.windows.sampleUnflagged,
    },
    deadLetter: new DeadLetter(producer, p.kafka.topics.deadLetter, events),
    windows: new RedisWindowStore({
      redis,
      keys,
      retentionSeconds: p.windows.retentionSeconds,
      bookkeepingTtlSeconds: p.redis.bookkeepingTtlSeconds,
      candidatesKept: p.windows.candidatesKept,
      events,
    }),
    keys,
    normalise: opts.normalise,
    scorer: opts.scorer,
    flagAt: p.scoring.flagAt,
    events,
  });
  const consumer: Consumer = await startConsumer({
    kafka,
    groupId: p.kafka.groupId,
    topics: [p.kafka.topics.posts, p.kafka.topics.reports],
    maxStepMessages: p.kafka.maxBatchMessages,
    partitionsConcurrently: p.kafka.partitionsConcurrently,
    sessionTimeoutMs: p.kafka.sessionTimeoutMs,
    handle: pipeline.handleStep,
    events,
    log,
  });
  const detector = p.detect.enabled
    ? new Detector({ reader: new WindowReader(redis, keys), keys, config: p, events, log })
    : undefined;
  detector?.start();
  log.info({ group: p.kafka.groupId, topics: p.kafka.topics }, "worker running");
  return {
    events,
    redis,
    keys,
    async close() {
      await detector?.close();
      await consumer.disconnect();
      for (const ext of started.reverse()) await ext.close();
      await producer.disconnect();
      redis.disconnect();
      log.info("worker stopped");
    },
  };
}
