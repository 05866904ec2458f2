// Test isolation: each test file gets its own topics, consumer group and Redis key prefix,
// against the real Kafka and Redis that `modstream services up` (or .ci/run) started.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRedis, scanKeys, unlinkMatching, type RedisClient } from "../../src/redis/client";
import { Kafka, logLevel } from "kafkajs";
import { stringify } from "yaml";
import { loadConfig, type Config, type Pipeline } from "../../src/config";
import { createLogger } from "../../src/log";

export const log = createLogger(process.env.TEST_LOG_LEVEL ?? "fatal", "test");

export function isolatedConfig(
  name: string,
  tweak: (p: Pipeline) => Pipeline = (p) => p,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const id = `${name}-${randomBytes(3).toString("hex")}`;
  return loadConfig(env, {
    patch: (p) =>
      tweak({
        ...p,
        kafka: {
          ...p.kafka,
          groupId: `g-${id}`,
          topics: {
            posts: `posts-${id}`,
            reports: `reports-${id}`,
            deadLetter: `dlq-${id}`,
            actions: `actions-${id}`,
            incidents: `incidents-${id}`,
            appeals: `appeals-${id}`,
          },
        },
        redis: { ...p.redis, prefix: `t-${id}` },
        // Tests that want /metrics ask for a port of their own.
        metrics: p.metrics ? { ...p.metrics, port: 0 } : undefined,
        incidents: p.incidents ? { ...p.incidents, statementsTopic: `statements-${id}` } : undefined,
      }),
  });
}

/** Writes the config's pipeline to a file, for child processes (MODSTREAM_PIPELINE). */
export function pipelineFile(cfg: Config): string {
  const file = join(tmpdir(), `modstream-${cfg.pipeline.redis.prefix}.yaml`);
  writeFileSync(file, stringify(cfg.pipeline));
  return file;
}

export function kafkaClient(cfg: Config): Kafka {
  return new Kafka({ clientId: "test", brokers: [...cfg.kafkaBrokers], logLevel: logLevel.NOTHING });
}

/** A client of the Redis the tests run against: the Redis Cluster when REDIS_CLUSTER_NODES is set. */
export function redisClient(cfg: Config): RedisClient {
  return connectRedis(cfg, { maxRetriesPerRequest: 20 });
}

/** Deletes every key under the config's prefix (on every primary of a Cluster). */
export async function cleanRedis(redis: RedisClient, cfg: Config): Promise<void> {
  await unlinkMatching(redis, `${cfg.pipeline.redis.prefix}:*`);
}

export async function deleteTopics(cfg: Config): Promise<void> {
  const admin = kafkaClient(cfg).admin();
  await admin.connect();
  const mine = Object.values(cfg.pipeline.kafka.topics);
  const existing = new Set(await admin.listTopics());
  await admin.deleteTopics({ topics: mine.filter((t) => existing.has(t)) }).catch(() => undefined);
  await admin.disconnect();
}

/** Sum of the stream key's `field` over every bucket (the stream's whole history under this prefix). */
export async function streamTotal(redis: RedisClient, cfg: Config, field = "posts"): Promise<number> {
  let total = 0;
  for await (const keys of scanKeys(redis, `${cfg.pipeline.redis.prefix}:{stream:all}:b:*`))
    for (const k of keys) total += Number((await redis.hget(k, field)) ?? 0);
  return total;
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
    last = await probe();
  }
  return last;
}

export function post(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    author: { id: `a-${id}`, followers: 10, accountAgeDays: 100 },
    text: `hello world ${id}`,
    createdAt: new Date().toISOString(),
    ...over,
  };
}
