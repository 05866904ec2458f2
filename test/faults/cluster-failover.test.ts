// A Redis Cluster primary dies (SIGKILL) while the worker works through a replay with a drill
// burst in it. Its replica takes over, the worker process recovers by itself (no restart), and
// afterwards every post is counted exactly once, in the stream total and under every hashtag and
// mention, and the burst's rumour incident is opened once. The cluster is a private one (own
// ports and directory), so the shared cluster other suites use is never touched.
//
// What makes this hold: replication is asynchronous, so a step waits (WAIT 1) until a replica of
// every primary it wrote to holds its writes before it marks them applied and commits its offsets
// (src/redis/client.ts waitForReplicas); what a primary took with it when it died was never
// committed, and the replay after the failover counts it again, once, behind the bucket guards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis, type Cluster } from "ioredis";
import type { Config } from "../../src/config";
import type { Post } from "../../src/domain";
import { SCENARIOS } from "../../src/drill/scenarios";
import { Keys } from "../../src/keys";
import type { RedisClient } from "../../src/redis/client";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, kafkaClient, redisClient } from "../helpers/env";
import { privateRedisCluster, type PrivateRedisCluster } from "../helpers/private-services";
import {
  background,
  exactWindows,
  incidents,
  killHard,
  msg,
  publishExactly,
  removeWorkerFiles,
  spawnWorker,
  stopWorker,
  streamPosts,
  topicSize,
  type WorkerProcess,
} from "./support";
import { burstIncidents, expectBurstIncidentOnce, expectCountedExactly } from "./checks";

const N = 12_000;
const RATE = 600;
let cluster: PrivateRedisCluster;
let cfg: Config;
let redis: RedisClient;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  cluster = await privateRedisCluster();
  await cluster.start();
  cfg = isolatedConfig("failover", (p) => exactWindows({ ...p, kafka: { ...p.kafka, maxBatchMessages: 500 } }), {
    ...process.env,
    REDIS_CLUSTER_NODES: cluster.nodes,
  });
  redis = redisClient(cfg);
}, 90_000);

afterAll(async () => {
  if (worker) await killHard(worker);
  if (cfg) {
    removeWorkerFiles(cfg);
    await cleanRedis(redis, cfg).catch(() => undefined);
    redis.disconnect();
    await deleteTopics(cfg);
  }
  await cluster?.destroy();
});

/** The port of the primary serving `slot`, as a surviving node `port` sees it (CLUSTER SLOTS). */
async function ownerOf(slot: number, port: number): Promise<number | undefined> {
  const r = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on("error", () => undefined);
  try {
    await r.connect();
    const ranges = await r.cluster("SLOTS");
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return range?.[2]?.[1];
  } finally {
    r.disconnect();
  }
}

/** The stream total read by a new client, which starts from the cluster's current slot map. */
async function freshTotal(): Promise<number> {
  const c = redisClient(cfg);
  try {
    return await streamPosts(c, cfg);
  } finally {
    c.disconnect();
  }
}

/** A probe that reads "not yet" while the cluster is failing over, instead of failing the test. */
const settled =
  <T>(probe: () => Promise<T>, otherwise: T) =>
  () =>
    probe().catch(() => otherwise);

describe("Redis Cluster primary failover", () => {
  it("a replica takes over and the worker carries on: no post lost or counted twice, one incident", async () => {
    const keys = new Keys(cfg.pipeline.redis.prefix);
    const t0 = Date.now();
    const posts: Post[] = background(N, { seed: 9, startMs: t0, rate: RATE, idPrefix: "f" });
    const rumour = SCENARIOS.find((s) => s.name === "rumour")!;
    const burst = rumour.posts(t0 + 4000, 9);
    posts.push(...burst);
    posts.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const total = posts.length;

    worker = spawnWorker(cfg, { REDIS_CLUSTER_NODES: cluster.nodes });
    const topic = cfg.pipeline.kafka.topics.posts;
    const replay = publishExactly(kafkaClient(cfg), topic, posts.map(msg), RATE);

    // Mid-replay: the worker has counted posts of its own, and the burst's incident is open.
    const service = incidents(redis, cfg);
    const opened = burstIncidents(service, keys, burst);
    await eventually(
      "progress and the burst's incident before the kill",
      settled(async () => (await streamPosts(redis, cfg)) >= 3000 && (await opened()).length > 0, false),
      (ok) => ok,
      120_000,
    );

    // Kill the primary of the stream totals' slot: every step of every partition writes to it.
    const slot = Number(await (redis as Cluster).cluster("KEYSLOT", keys.bucket(keys.tag("stream", "all"), 0)));
    const victim = (await ownerOf(slot, cluster.paths[0]!.port))!;
    const witness = cluster.paths.find((p) => p.port !== victim)!.port;
    const atKill = await streamPosts(redis, cfg);
    const killedAt = Date.now();
    await cluster.crash(victim);

    // Its replica is promoted (the others mark it failed after cluster-node-timeout).
    const promoted = await eventually(
      "a replica serves the slot",
      settled(() => ownerOf(slot, witness), victim),
      (owner) => owner !== undefined && owner !== victim,
      60_000,
    );
    const failoverMs = Date.now() - killedAt;
    // The worker carries on by itself: progress past the kill, in the same process.
    await eventually("progress after the failover", settled(freshTotal, 0), (n) => n > atKill + 500, 120_000);
    const recoveredMs = Date.now() - killedAt;
    expect(worker.child.exitCode).toBeNull();

    expect(await replay).toBe(posts.length);
    expect(await topicSize(kafkaClient(cfg), topic)).toBe(posts.length);
    // A client that connects now, with the cluster's current slot map.
    const after = redisClient(cfg);
    try {
      await expectCountedExactly(after, cfg, keys, posts);
      const incident = await expectBurstIncidentOnce(incidents(after, cfg), keys, burst, kafkaClient(cfg), cfg);
      console.info(
        `[faults] cluster failover: killed primary :${victim} at ${atKill} of ${total} posts; ` +
          `:${promoted} serves its slots ${Math.round(failoverMs / 100) / 10}s later; the worker counted again ` +
          `${Math.round(recoveredMs / 100) / 10}s after the kill; ${total} posts counted exactly, incident ` +
          `${incident.id} opened once (${incident.openedMessages} "opened" message(s))`,
      );
    } finally {
      after.disconnect();
    }
    expect(await stopWorker(worker)).toBe(0);
  }, 300_000);
});
