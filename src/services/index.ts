// `modstream services up|down|status`: the real Kafka and Redis the pipeline runs against.
import { Kafka, logLevel } from "kafkajs";
import { Redis } from "ioredis";
import type { Config } from "../config";
import { REPO_ROOT } from "../config";
import { configureKafka, installKafka, kafkaPaths, kafkaRunning, startKafka, stopKafka } from "./kafka";
import { installRedis, redisPaths, redisRunning, startRedis, stopRedis } from "./redis";
import {
  CLUSTER_NODES,
  clusterNodeRunning,
  clusterPaths,
  redisClusterStatus,
  startRedisCluster,
  stopRedisCluster,
} from "./redis-cluster";
import { waitFor } from "./process";

type Say = (line: string) => void;

async function kafkaAnswers(brokers: readonly string[]): Promise<boolean> {
  const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    return c.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } finally {
    r.disconnect();
  }
}

export interface UpOptions {
  /** Also start the loopback Redis Cluster (three primaries, three replicas). */
  redisCluster?: boolean;
}

export async function servicesUp(cfg: Config, say: Say, o: UpOptions = {}): Promise<void> {
  if (cfg.externalKafka) {
    say(`using Kafka at ${cfg.kafkaBrokers.join(",")} (KAFKA_BROKERS)`);
  } else {
    const p = kafkaPaths(REPO_ROOT);
    installKafka(p, say);
    configureKafka(p, cfg.pipeline.kafka.partitions);
    say(kafkaRunning(p) ? "Kafka already running" : "starting Kafka (KRaft, single node)...");
    await startKafka(p);
  }
  if (cfg.externalRedis) {
    say(`using Redis at ${cfg.redisUrl} (REDIS_URL)`);
  } else {
    const p = redisPaths(REPO_ROOT);
    installRedis(say);
    say(redisRunning(p) ? "Redis already running" : "starting Redis (AOF on)...");
    await startRedis(p);
  }
  await waitFor("Kafka broker", () => kafkaAnswers(cfg.kafkaBrokers), 90_000);
  await waitFor("Redis", () => redisAnswers(cfg.redisUrl), 20_000);
  say(`Kafka ready at ${cfg.kafkaBrokers.join(",")}`);
  say(`Redis ready at ${cfg.redisUrl}`);
  if (!o.redisCluster) return;
  if (cfg.redisClusterNodes) {
    say(`using the Redis Cluster at ${cfg.redisClusterNodes.join(",")} (REDIS_CLUSTER_NODES)`);
    return;
  }
  installRedis(say);
  const running = clusterPaths(REPO_ROOT).some(clusterNodeRunning);
  say(running ? "Redis Cluster already running" : "starting Redis Cluster (3 primaries + 3 replicas, AOF on)...");
  await startRedisCluster(clusterPaths(REPO_ROOT), say);
  say(`Redis Cluster ready: REDIS_CLUSTER_NODES=${CLUSTER_NODES}`);
}

export async function servicesDown(cfg: Config, say: Say): Promise<void> {
  if (await stopRedisCluster(clusterPaths(REPO_ROOT))) say("Redis Cluster stopped");
  if (!cfg.externalRedis) say((await stopRedis(redisPaths(REPO_ROOT))) ? "Redis stopped" : "Redis was not running");
  if (!cfg.externalKafka) say((await stopKafka(kafkaPaths(REPO_ROOT))) ? "Kafka stopped" : "Kafka was not running");
}

export async function servicesStatus(cfg: Config) {
  const [kafka, redis] = await Promise.all([
    kafkaAnswers(cfg.kafkaBrokers).catch(() => false),
    redisAnswers(cfg.redisUrl).catch(() => false),
  ]);
  const nodes = redisClusterStatus(REPO_ROOT);
  // The loopback cluster is reported when any of its nodes runs (`services up --redis-cluster`).
  const redisCluster = nodes.some((n) => n.up)
    ? { nodes: CLUSTER_NODES, up: nodes.every((n) => n.up && n.state === "ok"), members: nodes }
    : undefined;
  return { kafka, redis, redisCluster };
}
