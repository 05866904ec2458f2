// Wires config → Kafka, RedisClient and the pipeline; closes everything in reverse order.
import { hostname } from "node:os";
import { Partitioners, type Consumer, type Producer } from "kafkajs";
import type { RedisClient } from "../redis/client";
import { connectRedis } from "../redis/client";
import { eventTimeBounds, type Config } from "../config";
import { Events } from "../events";
import { CATEGORIES, type Category } from "../domain";
import type { Logger } from "../log";
import type { Scorer } from "../score/scorer";
import { Pipeline } from "./pipeline";
import { startConsumer } from "../source/consumer";
import { DeadLetter } from "../source/deadletter";
import { createKafka, ensureTopics } from "../source/kafka";
import { Keys } from "../keys";
import { RedisWindowStore } from "../windows/store";
import { WindowReader } from "../windows/reader";
import { Detector } from "./detector";
import type { Extension } from "./context";
import { workerExtensions } from "./extensions";
import { kafkaProbe, redisProbe, reportFaults, serveHealth, WorkerHealth } from "./health";
import { IncidentService } from "../incidents/service";

export interface Worker {
  events: Events;
  redis: RedisClient;
  keys: Keys;
  /** Redis, the Kafka broker, the consumer and the pipeline steps, as GET /healthz reports them. */
  health: WorkerHealth;
  /** Bound port of GET /healthz, undefined when not serving it. */
  healthPort: number | undefined;
  close(): Promise<void>;
}

export interface WorkerOptions {
  normalise: (text: string) => string;
  scorer?: Scorer;
  events?: Events;
  /** Defaults to every extension in src/worker/extensions.ts. */
  extensions?: Extension[];
  /** Serve GET /healthz here (port 0 picks a free one); absent serves none. */
  health?: { host: string; port: number };
}

/** A dependency down this long opens a technical incident (a broker restart takes a few seconds). */
const FAULT_AFTER_MS = 5000;

/**
 * Longest wait for one part of the worker to stop. Each part stops in a few seconds at most (the
 * consumer's step in progress, an extension's tick in progress); one that has not by then is
 * logged as an error and left behind, so that SIGTERM always ends the process.
 */
const CLOSE_STEP_MS = 30_000;

/** Runs one close step, timed, bounded by CLOSE_STEP_MS. */
async function closeStep(name: string, run: () => Promise<unknown> | undefined, log: Logger): Promise<void> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), CLOSE_STEP_MS);
  });
  try {
    const outcome = await Promise.race([Promise.resolve(run()).then(() => "done" as const), late]);
    const ms = Math.round(performance.now() - t0);
    if (outcome === "late") log.error({ step: name, ms }, "worker close step did not finish; carrying on without it");
    else log.info({ step: name, ms }, "worker close step done");
  } catch (err) {
    log.warn({ err, step: name }, "worker close step failed");
  } finally {
    clearTimeout(timer);
  }
}

export function createRedis(cfg: Config, log: Logger): RedisClient {
  const redis = connectRedis(cfg, {
    retryStrategy: (times) => Math.min(100 * times, 2000),
    enableAutoPipelining: false,
  });
  let down = false;
  redis.on("error", (err: Error) => {
    if (!down) log.warn({ err: err.message }, "redis connection error");
    down = true;
  });
  redis.on("ready", () => {
    if (down) log.info("redis connection restored");
    down = false;
  });
  return redis;
}

/**
 * Kafka broker outages as technical incidents. Redis faults (and lag, dead letters, step errors)
 * are the incidents stage's own health watcher's (src/incidents/health.ts); it cannot see the broker.
 */
function brokerFaults(
  cfg: Config,
  o: { redis: RedisClient; keys: Keys; events: Events; health: WorkerHealth; log: Logger },
): { close(): Promise<void> } | undefined {
  const p = cfg.pipeline;
  if (!p.incidents?.enabled) return undefined;
  const healthyMs = p.incidents.technical.healthySeconds * 1000;
  const incidents = new IncidentService({ redis: o.redis, keys: o.keys, pipeline: p, events: o.events });
  const source = `${hostname()}-${process.pid}`;
  return reportFaults({
    health: o.health,
    checks: ["kafka"],
    afterMs: FAULT_AFTER_MS,
    healthyMs,
    report: (check, down, text, since) => incidents.reportFault(check, down, text, since, source),
    clear: (check, text) => incidents.clearFault(check, text, healthyMs),
    log: o.log,
  });
}

export async function startWorker(cfg: Config, log: Logger, opts: WorkerOptions): Promise<Worker> {
  const p = cfg.pipeline;
  const events = opts.events ?? new Events();
  const kafka = createKafka(cfg, log);
  await ensureTopics(kafka, cfg);
  const redis = createRedis(cfg, log);
  const keys = new Keys(p.redis.prefix);
  const broker = kafkaProbe(cfg.kafkaBrokers, p.kafka.clientId);
  const health = new WorkerHealth({ events, redis: redisProbe(redis), kafka: () => broker.probe(), log });
  health.start();
  const healthServer = opts.health ? await serveHealth(health, opts.health.host, opts.health.port, log) : undefined;
  const faults = brokerFaults(cfg, { redis, keys, events, health, log });
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started: { name: string; close(): Promise<void> }[] = [];
  for (const [i, ext] of (opts.extensions ?? workerExtensions).entries()) {
    const running = await ext({ cfg, log, events, redis, kafka, producer, keys });
    started.push({ name: ext.name || `extension ${i}`, close: () => running.close() });
  }
  const pipeline = new Pipeline({
    topics: p.kafka.topics,
    limits: p.limits,
    eventTime: eventTimeBounds(p),
    bucketSeconds: p.windows.bucketSeconds,
    keyWindows: {
      enabled: p.windows.keyWindows,
      promoteMinPosts: p.windows.promoteMinPosts,
      hotRefreshMs: p.windows.hotRefreshMs,
      newAccountDays: p.windows.newAccountDays,
      sampleUnflagged: p.windows.sampleUnflagged,
      heavyHitters: p.windows.heavyHitters ?? 4096,
      evidenceMinFlagged: Object.fromEntries(
        CATEGORIES.map((c) => [c, Math.max(1, Math.ceil(p.detect.minFlagged[c] / 2))]),
      ) as Record<Category, number>,
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
  consumer.on(consumer.events.CRASH, (e) =>
    health.set("consumer", false, `${e.payload.error.message}${e.payload.restart ? " (restarting)" : " (stopped)"}`),
  );
  consumer.on(consumer.events.GROUP_JOIN, () => health.set("consumer", true));
  const detector = p.detect.enabled
    ? new Detector({ reader: new WindowReader(redis, keys), keys, config: p, events, log, redis })
    : undefined;
  detector?.start();
  log.info({ group: p.kafka.groupId, topics: p.kafka.topics }, "worker running");
  let closing: Promise<void> | undefined;
  return {
    events,
    redis,
    keys,
    health,
    healthPort: healthServer?.port,
    close() {
      closing ??= (async () => {
        const t0 = performance.now();
        // The consumer first (with the detector alongside it): its step in progress either
        // finishes and commits or is abandoned uncommitted; then what it feeds, in reverse order.
        await Promise.all([
          closeStep("detector", () => detector?.close(), log),
          closeStep("consumer", () => consumer.disconnect(), log),
        ]);
        for (const ext of [...started].reverse()) await closeStep(ext.name, () => ext.close(), log);
        await closeStep("fault reporter", () => faults?.close(), log);
        await closeStep("health endpoint", () => healthServer?.close(), log);
        await closeStep("health checks", () => health.close(), log);
        await closeStep("broker probe", () => broker.close(), log);
        await closeStep("producer", () => producer.disconnect(), log);
        redis.disconnect();
        log.info({ ms: Math.round(performance.now() - t0) }, "worker stopped");
      })();
      return closing;
    },
  };
}
