// Private Kafka and Redis instances for tests that stop and restart a service: their own loopback
// ports and directories under a temp dir, started from the same jars and binary as the shared
// ones (src/services), so the shared services other tests are using are never touched.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel } from "kafkajs";
import { Redis } from "ioredis";
import { REPO_ROOT } from "../../src/config";
import { configureKafka, kafkaPaths, startKafka, stopKafka, type KafkaPaths } from "../../src/services/kafka";
import { isAlive, readPid, waitFor } from "../../src/services/process";
import { redisPaths, startRedis, stopRedis, type RedisPaths } from "../../src/services/redis";
import {
  clusterPaths,
  startRedisCluster,
  stopRedisCluster,
  type ClusterNodePaths,
} from "../../src/services/redis-cluster";

/** `count` consecutive free loopback ports (bound and released; good enough on a test machine). */
export async function freePorts(count: number): Promise<number[]> {
  const listen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(undefined));
      s.listen(port, "127.0.0.1", () => {
        const bound = (s.address() as { port: number }).port;
        s.close(() => resolve(bound));
      });
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listen(0);
    if (first === undefined || first + count > 65535) continue;
    let ok = true;
    for (let i = 1; i < count && ok; i++) ok = (await listen(first + i)) !== undefined;
    if (ok) return Array.from({ length: count }, (_, i) => first + i);
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/** SIGKILL a pid file's process and wait until it is gone (a crash, not a clean stop). */
async function killHard(pidFile: string): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) return;
  process.kill(pid, "SIGKILL");
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
}

function signal(pidFile: string, sig: NodeJS.Signals): void {
  const pid = readPid(pidFile);
  if (pid !== undefined && isAlive(pid)) process.kill(pid, sig);
}

// Whatever happens to the test (a failed hook, a timeout), the private services die with it.
const started = new Set<string>();
process.once("exit", () => {
  for (const pidFile of started) {
    const pid = readPid(pidFile);
    if (pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  }
});

export interface PrivateRedis {
  url: string;
  paths: RedisPaths;
  start(): Promise<void>;
  /** SIGKILL: Redis crashes; what it acknowledged is in the AOF (appendfsync everysec writes before replying). */
  crash(): Promise<void>;
  /**
   * SIGSTOP: Redis hangs. Its port still accepts connections (the kernel queues them) and takes
   * commands, but nothing answers until resume() (SIGCONT).
   */
  pause(): void;
  resume(): void;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "modstream-redis-"));
  const [port] = await freePorts(1);
  const paths = redisPaths(REPO_ROOT, { dir, port });
  started.add(paths.pid);
  const url = `redis://127.0.0.1:${port}`;
  const answers = async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on("error", () => undefined);
    try {
      await r.connect();
      // PING answers LOADING while the AOF is replayed; a write proves it is serving.
      return (await r.set("private-redis:probe", "1")) === "OK";
    } finally {
      r.disconnect();
    }
  };
  return {
    url,
    paths,
    async start() {
      await startRedis(paths);
      await waitFor("private Redis", answers, 20_000);
    },
    crash: () => killHard(paths.pid),
    pause: () => signal(paths.pid, "SIGSTOP"),
    resume: () => signal(paths.pid, "SIGCONT"),
    async destroy() {
      signal(paths.pid, "SIGCONT");
      await stopRedis(paths).catch(() => killHard(paths.pid));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateKafka {
  brokers: string[];
  paths: KafkaPaths;
  start(): Promise<void>;
  /** SIGKILL: the broker crashes (acknowledged messages are in its log files). */
  crash(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export async function privateKafka(partitions = 4): Promise<PrivateKafka> {
  const dir = mkdtempSync(join(tmpdir(), "modstream-kafka-"));
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  const paths = kafkaPaths(REPO_ROOT, { dir, port, controllerPort });
  configureKafka(paths, partitions);
  started.add(paths.pid);
  const brokers = [`127.0.0.1:${port}`];
  const answers = async () => {
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      return (await admin.describeCluster()).brokers.length > 0;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  return {
    brokers,
    paths,
    async start() {
      await startKafka(paths, 120_000);
      await waitFor("private Kafka broker", answers, 120_000);
    },
    crash: () => killHard(paths.pid),
    async destroy() {
      await stopKafka(paths).catch(() => killHard(paths.pid));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedisCluster {
  /** REDIS_CLUSTER_NODES for it. */
  nodes: string;
  paths: ClusterNodePaths[];
  start(): Promise<void>;
  /** SIGKILL one node (a crash: its replica is promoted once the others see it fail). */
  crash(port: number): Promise<void>;
  /** Stops every node and removes the directory. */
  destroy(): Promise<void>;
}

/**
 * Six consecutive free ports whose cluster-bus ports (port + 10000) are free too, below the
 * ephemeral range, so a Redis Cluster can bind both.
 */
async function clusterPorts(): Promise<number[]> {
  for (let base = 17101; base < 19000; base += 100) {
    const ports = Array.from({ length: 6 }, (_, i) => base + i);
    const free = await Promise.all([...ports, ...ports.map((p) => p + 10000)].map((p) => portFree(p)));
    if (free.every(Boolean)) return ports;
  }
  throw new Error("no free ports for a private Redis Cluster");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A private Redis Cluster (three primaries, three replicas, AOF on), for a test that breaks it. */
export async function privateRedisCluster(): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "modstream-rc-"));
  const paths = clusterPaths(REPO_ROOT, { dir, ports: await clusterPorts() });
  for (const p of paths) started.add(p.pid);
  return {
    nodes: paths.map((p) => `127.0.0.1:${p.port}`).join(","),
    paths,
    start: () => startRedisCluster(paths, () => undefined),
    async crash(port) {
      const node = paths.find((p) => p.port === port);
      if (node) await killHard(node.pid);
    },
    async destroy() {
      await stopRedisCluster(paths).catch(() => undefined);
      for (const p of paths) await killHard(p.pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
