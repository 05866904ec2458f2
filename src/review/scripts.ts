// The review Lua scripts (lua/*.lua, named by key count; lua/_shared.lua prepended to each) on a
// Redis client, through the one loader.
import type { Redis } from "ioredis";
import type { RedisClient } from "../redis/client";
import { defineScripts } from "../redis/scripts";

type Args = (string | number)[];

// The command interface is ioredis's (a Cluster client has the same commands).
export type ReviewClient = Redis & {
  reviewEnqueue(...keysAndArgs: Args): Promise<number>;
  reviewClaim(...keysAndArgs: Args): Promise<string[] | null>;
  reviewExpire(...keysAndArgs: Args): Promise<number>;
  reviewDecide(...keysAndArgs: Args): Promise<[string, string]>;
  reviewRelease(...keysAndArgs: Args): Promise<string>;
  reviewReassign(...keysAndArgs: Args): Promise<string>;
  reviewAudit(...keysAndArgs: Args): Promise<string>;
  reviewGroupAdd(...keysAndArgs: Args): Promise<[number, string]>;
  reviewFanout(...keysAndArgs: Args): Promise<number>;
  reviewAppeal(...keysAndArgs: Args): Promise<[string, string]>;
};

const SCRIPTS = {
  reviewEnqueue: "enqueue-4.lua",
  reviewClaim: "claim-4.lua",
  reviewExpire: "expire-4.lua",
  reviewDecide: "decide-4.lua",
  reviewRelease: "release-5.lua",
  reviewReassign: "reassign-5.lua",
  reviewAudit: "audit-1.lua",
  reviewGroupAdd: "group-add-1.lua",
  reviewFanout: "fanout-3.lua",
  reviewAppeal: "appeal-4.lua",
} as const;

export function withReviewScripts(redis: RedisClient): ReviewClient {
  return defineScripts<ReviewClient>(redis, new URL("./lua/", import.meta.url), SCRIPTS);
}
