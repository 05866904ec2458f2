// Redis clients for commands and services, and pipelines that fail loudly.
//
// Every client fails a command after the pipeline's command timeout instead of waiting on a Redis
// that hangs. And ioredis resolves exec() with an [error, reply] pair per command, so a command
// that failed inside a pipeline (timed out, lost with its connection) would otherwise read as a
// missing value, or a lost write, and the caller would carry on as if it had worked.
import { Redis, type ChainableCommander, type RedisOptions } from "ioredis";
import { redisCommandTimeoutMs, type Config } from "../config";

/** A client of the configured Redis whose commands give up after `redis.commandTimeoutMs`. */
export function connectRedis(cfg: Config, options: RedisOptions = {}): Redis {
  return new Redis(cfg.redisUrl, {
    maxRetriesPerRequest: 2,
    commandTimeout: redisCommandTimeoutMs(cfg.pipeline),
    ...options,
  });
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
