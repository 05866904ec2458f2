// execChecked: a command that fails inside a pipeline or transaction fails the whole call, where
// plain exec() would hand back its error next to the other replies for the caller to miss.
import { afterAll, describe, expect, it } from "vitest";
import { execChecked } from "../src/redis/client";
import { cleanRedis, isolatedConfig, redisClient } from "./helpers/env";

const cfg = isolatedConfig("execchecked");
const redis = redisClient(cfg);
const key = (k: string) => `${cfg.pipeline.redis.prefix}:${k}`;

afterAll(async () => {
  await cleanRedis(redis, cfg);
  redis.disconnect();
});

describe("execChecked", () => {
  it("returns every reply when all commands succeed", async () => {
    const replies = await execChecked(redis.pipeline().set(key("a"), "1").get(key("a")));
    expect(replies.map(([, v]) => v)).toEqual(["OK", "1"]);
  });

  it("throws the failing command's error from a pipeline (and from a transaction)", async () => {
    await redis.set(key("s"), "a string");
    // What plain exec() does: resolves, with the error tucked into the reply list.
    const plain = await redis.pipeline().get(key("s")).hget(key("s"), "f").exec();
    expect(plain?.[1]?.[0]).toBeInstanceOf(Error);
    await expect(execChecked(redis.pipeline().get(key("s")).hget(key("s"), "f"))).rejects.toThrow(/WRONGTYPE/);
    await expect(execChecked(redis.multi().get(key("s")).hget(key("s"), "f"))).rejects.toThrow(/WRONGTYPE/);
  });
});
