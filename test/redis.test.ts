// execChecked: a command that fails inside a pipeline or transaction fails the whole call, where
// plain exec() would hand back its error next to the other replies for the caller to miss.
// batch: commands over many slots, replies in order (on a Redis Cluster, with REDIS_CLUSTER_NODES
// set, one pipeline per node).
import { afterAll, describe, expect, it } from "vitest";
import { batch, execChecked, scanKeys } from "../src/redis/client";
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

describe("batch", () => {
  const tags = Array.from({ length: 200 }, (_, i) => key(`{b${i}}:n`));

  it("answers commands on keys of many slots in order, and fails loudly", async () => {
    const write = batch(redis);
    tags.forEach((k, i) => write.set(k, String(i)));
    expect((await execChecked(write)).every(([, v]) => v === "OK")).toBe(true);
    const read = batch(redis);
    for (const k of tags) read.get(k);
    expect((await execChecked(read)).map(([, v]) => Number(v))).toEqual(tags.map((_, i) => i));
    let seen = 0;
    for await (const page of scanKeys(redis, key("{b*}:n"))) seen += page.length;
    expect(seen).toBeGreaterThanOrEqual(tags.length);
    const bad = batch(redis);
    bad.get(tags[0]!).hget(tags[1]!, "f");
    await expect(execChecked(bad)).rejects.toThrow(/WRONGTYPE/);
  });
});
