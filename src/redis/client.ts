// Redis clients (a single Redis or a Redis Cluster) for commands and services, and pipelines
// that fail loudly.
//
// Every client fails a command after the pipeline's command timeout instead of waiting on a Redis
// that hangs. And ioredis resolves exec() with an [error, reply] pair per command, so a command
// that failed inside a pipeline (timed out, lost with its connection) would otherwise read as a
// missing value, or a lost write, and the caller would carry on as if it had worked.
import { once } from "node:events";
import { Cluster, Redis, type ChainableCommander, type RedisOptions } from "ioredis";
import { redisCommandTimeoutMs, type Config } from "../config";
import { hostPort } from "../services/process";

/** A single Redis or a Redis Cluster: every stage takes either. */
export type RedisClient = Redis | Cluster;

/**
 * A client of the configured Redis whose commands give up after `redis.commandTimeoutMs`: an
 * ioredis `Redis.Cluster` when REDIS_CLUSTER_NODES is set, else one `Redis` at REDIS_URL.
 *
 * The Cluster client always auto-pipelines: ioredis then sends the commands issued in one tick
 * as one pipeline per node, which is how `batch()` below groups a step's commands by node.
 */
export function connectRedis(cfg: Config, options: RedisOptions = {}): RedisClient {
  const own: RedisOptions = {
    maxRetriesPerRequest: 2,
    commandTimeout: redisCommandTimeoutMs(cfg.pipeline),
    ...options,
  };
  if (!cfg.redisClusterNodes) return new Redis(cfg.redisUrl, own);
  const { retryStrategy, lazyConnect, enableOfflineQueue, ...redisOptions } = own;
  delete redisOptions.enableAutoPipelining;
  return new Cluster(
    cfg.redisClusterNodes.map((n) => hostPort(n)),
    {
      redisOptions,
      lazyConnect,
      enableOfflineQueue,
      enableAutoPipelining: true,
      scaleReads: "master",
      // While a primary is down and before its replica is promoted, commands fail (the step is
      // retried); these only pace ioredis's own re-tries and slot-map refreshes.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
    },
  );
}

/**
 * A pipeline for commands whose keys live in different slots. On a single Redis it is
 * `redis.pipeline()`. A Cluster pipeline must keep every key on one node, so there the commands
 * are issued one by one at exec() in the same tick, and the Cluster client's auto-pipelining
 * sends them as one pipeline per node; exec() answers [error, reply] pairs in order, as a
 * pipeline does. Each command's own keys (a script's KEYS) must still share a slot.
 */
export function batch(redis: RedisClient): ChainableCommander {
  if (!redis.isCluster) return redis.pipeline();
  const client = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const queued: [string, unknown[]][] = [];
  const proxy: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_, name) {
      // Not a thenable, so an accidental `await pipe` cannot queue a "then" command.
      if (typeof name === "symbol" || name === "then") return undefined;
      if (name === "exec")
        return async () => {
          const send = (cmd: string, args: unknown[]): Promise<unknown> => {
            const command = client[cmd];
            return command ? command.apply(redis, args) : Promise.reject(new Error(`no Redis command ${cmd}`));
          };
          const settled = await Promise.allSettled(queued.map(([cmd, args]) => send(cmd, args)));
          return settled.map((r) => (r.status === "fulfilled" ? [null, r.value] : [r.reason as Error, null]));
        };
      if (name === "length") return queued.length;
      return (...args: unknown[]) => {
        queued.push([String(name), args]);
        return proxy;
      };
    },
  });
  return proxy;
}

/**
 * On a Redis Cluster, waits until a replica of every primary that has one holds all this client
 * has written to it (WAIT 1). Replication is asynchronous: without this, a primary that dies
 * after answering could take a step's writes with it while Kafka already has the step committed.
 * Throws when a replica did not answer in time, so the step is retried rather than committed.
 * A single Redis returns at once (its durability is its AOF).
 */
export async function waitForReplicas(redis: RedisClient, timeoutMs = 1000): Promise<void> {
  if (!redis.isCluster) return;
  const cluster = redis as Cluster;
  const replicated = new Set<string>();
  for (const nodes of cluster.slots) if (nodes && nodes.length > 1 && nodes[0]) replicated.add(nodes[0]);
  const waits = cluster
    .nodes("master")
    .filter((n) => replicated.has(`${n.options.host}:${n.options.port}`))
    .map(async (n) => {
      const acked = await n.wait(1, timeoutMs);
      if (acked < 1)
        throw new Error(`no replica of ${n.options.host}:${n.options.port} acknowledged in ${timeoutMs} ms`);
    });
  await Promise.all(waits);
}

/** The primaries of a Cluster, or the one Redis: for SCAN and other per-node commands. */
export function primaries(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
}

/** Every key matching `match`, in pages, from every primary. */
export async function* scanKeys(redis: RedisClient, match: string): AsyncGenerator<string[]> {
  // A Cluster client knows its primaries once it has read the slot map.
  if (redis.isCluster && redis.status !== "ready") await once(redis, "ready");
  for (const node of primaries(redis))
    for await (const keys of node.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>)
      if (keys.length) yield keys;
}

/** Unlinks every key matching `match` on every primary (one key per command: keys differ in slot). */
export async function unlinkMatching(redis: RedisClient, match: string): Promise<void> {
  for (const node of primaries(redis))
    for await (const keys of node.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>)
      if (keys.length) await execChecked(node.pipeline(keys.map((k) => ["unlink", k])));
}

// What ioredis fails a command with when Redis is down or hung (the command timeout, retries
// used up, the connection closed under it, nothing listening).
const REDIS_DOWN = /^(Command timed out|Connection is closed\.|Stream isn't writeable|connect ECONNREFUSED)/;

/** True for the errors of a Redis that is down or hung, as opposed to a bad command. */
export function isRedisUnavailable(err: unknown): boolean {
  return err instanceof Error && (err.name === "MaxRetriesPerRequestError" || REDIS_DOWN.test(err.message));
}

export type Replies = [error: Error | null, reply: unknown][];

/** exec() that throws the first command's error; a transaction that did not run is an error too. */
export async function execChecked(pipe: ChainableCommander): Promise<Replies> {
  const replies = await pipe.exec();
  if (replies === null) throw new Error("Redis transaction was not executed");
  for (const [err] of replies) if (err) throw err;
  return replies;
}
