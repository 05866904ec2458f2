// The lag reader behind the `lag` technical signal: after a failed connect (the broker down) the
// next read connects again instead of failing for ever. Pure logic: a scripted admin client.
import { describe, expect, it } from "vitest";
import type { Kafka } from "kafkajs";
import { lagReader } from "../../src/worker/incidents";
import { readLag } from "../../src/metrics/lag";

function scriptedKafka(connects: ("fail" | "ok")[]) {
  let calls = 0;
  const admin = {
    connect: () => {
      calls++;
      return connects.shift() === "ok" ? Promise.resolve() : Promise.reject(new Error("broker down"));
    },
    fetchTopicOffsets: () => Promise.resolve([{ partition: 0, offset: "100", high: "100", low: "0" }]),
    fetchOffsets: () => Promise.resolve([{ topic: "posts", partitions: [{ partition: 0, offset: "60" }] }]),
    disconnect: () => Promise.resolve(),
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, connectCalls: () => calls };
}

describe("lagReader", () => {
  it("connects again after a failed connect, then reads the group's lag", async () => {
    const k = scriptedKafka(["fail", "ok"]);
    const reader = lagReader(k.kafka, "g", ["posts"]);
    await expect(reader.read()).rejects.toThrow("broker down");
    expect(await reader.read()).toBe(40);
    expect(await reader.read()).toBe(40);
    expect(k.connectCalls()).toBe(2);
    await reader.close();
  });
});

describe("readLag: one meaning for a group with no committed offset", () => {
  it("counts the whole retained log (nothing consumed yet), for the technical signal and the metric alike", async () => {
    const admin = {
      fetchTopicOffsets: () => Promise.resolve([{ partition: 0, offset: "100", high: "100", low: "30" }]),
      fetchOffsets: () => Promise.resolve([{ topic: "posts", partitions: [{ partition: 0, offset: "-1" }] }]),
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
    };
    expect(await readLag(admin as never, "g", ["posts"])).toEqual([{ topic: "posts", partition: 0, lag: 70 }]);
    const reader = lagReader({ admin: () => admin } as unknown as Kafka, "g", ["posts"]);
    expect(await reader.read()).toBe(70);
    await reader.close();
  });
});
