// Pipelines and transactions that fail loudly. ioredis resolves exec() with an [error, reply]
// pair per command, so a command that failed inside one (timed out on a hung Redis, lost with
// its connection) would otherwise read as a missing value, or a lost write, and the caller
// would carry on as if it had worked.
import type { ChainableCommander } from "ioredis";

export type Replies = [error: Error | null, reply: unknown][];

/** exec() that throws the first command's error; a transaction that did not run is an error too. */
export async function execChecked(pipe: ChainableCommander): Promise<Replies> {
  const replies = await pipe.exec();
  if (replies === null) throw new Error("Redis transaction was not executed");
  for (const [err] of replies) if (err) throw err;
  return replies;
}
