// Loads the review Lua scripts (lua/*.lua, named by key count) onto a Redis client, each with the
// shared helpers of lua/_shared.lua prepended.
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";

type Args = (string | number)[];

export type ReviewClient = Redis & {
  reviewEnqueue(...keysAndArgs: Args): Promise<number>;
  reviewClaim(...keysAndArgs: Args): Promise<string[] | null>;
  reviewExpire(...keysAndArgs: Args): Promise<number>;
  reviewDecide(...keysAndArgs: Args): Promise<[string, string]>;
  reviewRelease(...keysAndArgs: Args): Promise<string>;
  reviewReassign(...keysAndArgs: Args): Promise<string>;
  reviewAudit(...keysAndArgs: Args): Promise<string>;
};

const SCRIPTS = {
  reviewEnqueue: "enqueue-4.lua",
  reviewClaim: "claim-4.lua",
  reviewExpire: "expire-4.lua",
  reviewDecide: "decide-4.lua",
  reviewRelease: "release-5.lua",
  reviewReassign: "reassign-5.lua",
  reviewAudit: "audit-1.lua",
} as const;

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), "utf8");

export function withReviewScripts(redis: Redis): ReviewClient {
  const c = redis as ReviewClient;
  if (typeof c.reviewClaim === "function") return c;
  const shared = read("_shared.lua");
  for (const [name, file] of Object.entries(SCRIPTS))
    redis.defineCommand(name, {
      numberOfKeys: Number(/-(\d+)\.lua$/.exec(file)?.[1]),
      lua: `${shared}\n${read(file)}`,
    });
  return c;
}
