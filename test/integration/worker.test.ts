// The worker against the real broker and Redis: posts from kcat are processed; every kind of
// malformed message is dead-lettered with its reason and original bytes; good posts around them all count.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Kafka } from "kafkajs";
import { startWorker, type Worker } from "../../src/worker/main";
import { normalise } from "../../src/normalise";
import { Keys } from "../../src/keys";
import {
  cleanRedis,
  deleteTopics,
  eventually,
  isolatedConfig,
  kafkaClient,
  log,
  post,
  redisClient,
  streamTotal,
} from "../helpers/env";

const cfg = isolatedConfig("worker", (p) => ({ ...p, limits: { maxMessageBytes: 4096, maxTextBytes: 1024 } }));
const topics = cfg.pipeline.kafka.topics;
let worker: Worker;
let redis: RedisClient;
let kafka: Kafka;

beforeAll(async () => {
  redis = redisClient(cfg);
  kafka = kafkaClient(cfg);
  worker = await startWorker(cfg, log, { normalise });
});

afterAll(async () => {
  await worker?.close();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

function kcat(topic: string, lines: Buffer): void {
  const r = spawnSync("kcat", ["-P", "-b", cfg.kafkaBrokers[0] ?? "", "-t", topic], { input: lines });
  expect(r.status, r.stderr?.toString()).toBe(0);
}

describe("worker", () => {
  it("processes posts produced with kcat", async () => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify(post(`kc${i}`)) + "\n").join("");
    kcat(topics.posts, Buffer.from(lines));
    await eventually(
      "posts counted",
      () => streamTotal(redis, cfg),
      (n) => n === 500,
    );
  });

  it("dead-letters every kind of bad message with its reason and keeps the good ones", async () => {
    const bad: [string, Buffer | null][] = [
      ["not_json", Buffer.from("this is not json")],
      ["invalid_utf8", Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ["schema", Buffer.from(JSON.stringify({ id: "x", text: "no author" }))],
      ["text_too_long", Buffer.from(JSON.stringify(post("long", { text: "长".repeat(500) })))],
      ["too_large", Buffer.from("x".repeat(5000))],
      ["prototype_pollution", Buffer.from('{"__proto__":{"isAdmin":true},"id":"p"}')],
      ["empty", null],
      ["time_out_of_range", Buffer.from(JSON.stringify(post("future", { createdAt: "9999-12-31T23:59:59Z" })))],
      ["time_out_of_range", Buffer.from(JSON.stringify(post("ancient", { createdAt: "0001-01-01T00:00:00Z" })))],
    ];
    const before = await streamTotal(redis, cfg);
    const producer = kafka.producer();
    await producer.connect();
    const messages = [];
    for (let i = 0; i < bad.length; i++) {
      messages.push({ key: `good${i}`, value: JSON.stringify(post(`good${i}`)), partition: 0 });
      messages.push({ key: `bad${i}`, value: bad[i]?.[1] ?? null, partition: 0 });
    }
    await producer.send({ topic: topics.posts, messages });
    await producer.disconnect();

    await eventually(
      "good posts counted",
      () => streamTotal(redis, cfg),
      (n) => n === before + bad.length,
    );

    const got = new Map<string, { value: Buffer | null; headers: Record<string, string> }>();
    const consumer = kafka.consumer({ groupId: `dlq-reader-${cfg.pipeline.redis.prefix}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        got.set(String(message.key), { value: message.value, headers });
      },
    });
    await eventually(
      "dead letters",
      async () => got.size,
      (n) => n >= bad.length,
    );
    await consumer.disconnect();

    for (let i = 0; i < bad.length; i++) {
      const [reason, bytes] = bad[i] ?? ["", null];
      const dl = got.get(`bad${i}`);
      expect(dl?.headers.reason, `message bad${i}`).toBe(reason);
      expect(dl?.headers["source-topic"]).toBe(topics.posts);
      expect(dl?.headers["source-partition"]).toBe("0");
      expect(Number(dl?.headers["source-offset"])).toBeGreaterThanOrEqual(0);
      expect(dl?.headers.detail?.length ?? 0).toBeGreaterThan(0);
      if (bytes) expect(Buffer.compare(dl?.value ?? Buffer.alloc(0), bytes)).toBe(0);
      // The offending value is named, so the producer's bug is findable from the dead letter.
      if (reason === "time_out_of_range")
        expect(dl?.headers.detail).toContain((JSON.parse(String(bytes)) as { createdAt: string }).createdAt);
    }
    expect(got.size).toBe(bad.length);
    // Never counted: the stream holds the good posts only, and no bucket of year 9999 or 0001 exists.
    expect(await streamTotal(redis, cfg)).toBe(before + bad.length);
    const keys = new Keys(cfg.pipeline.redis.prefix);
    const bucketOf = (iso: string) => keys.bucket(keys.tag("stream", "all"), Math.floor(Date.parse(iso) / 10_000) * 10);
    expect(await redis.exists(bucketOf("9999-12-31T23:59:59Z"), bucketOf("0001-01-01T00:00:00Z"))).toBe(0);
  });

  it("counts user reports from the reports topic", async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.reports,
      messages: Array.from({ length: 20 }, (_, i) => ({
        value: JSON.stringify({
          id: `r${i}`,
          reporterId: `u${i}`,
          postId: "kc1",
          reason: "abuse",
          createdAt: new Date().toISOString(),
        }),
      })),
    });
    await producer.disconnect();
    await eventually(
      "reports counted",
      () => streamTotal(redis, cfg, "reports"),
      (n) => n === 20,
    );
  });
});
