import { describe, expect, it } from "vitest";
import { loadConfig, loadPipelineFile, DEFAULT_PIPELINE, parsePipeline } from "../src/config";

describe("config", () => {
  it("loads and documents the default pipeline", () => {
    const cfg = loadConfig({});
    expect(cfg.pipeline.kafka.topics.posts).toBe("posts");
    expect(cfg.kafkaBrokers).toEqual(["127.0.0.1:19092"]);
    expect(Object.isFrozen(cfg.pipeline.kafka)).toBe(true);
  });

  it("names the bad field", () => {
    const p = loadPipelineFile(DEFAULT_PIPELINE);
    expect(() => parsePipeline({ ...p, limits: { ...p.limits, maxTextBytes: -1 } })).toThrow(
      /\/limits\/maxTextBytes must be >= 1/,
    );
    expect(() => parsePipeline({ ...p, kafka: { ...p.kafka, partition: 3 } })).toThrow(/unknown field "partition"/);
    expect(() => parsePipeline({ ...p, version: 2 })).toThrow(/\/version/);
    // Appeals are worked by a group other than any that decides.
    expect(() => parsePipeline({ ...p, appeals: { group: "abuse-desk" } })).toThrow(
      /\/appeals\/group "abuse-desk" also decides abuse/,
    );
  });

  it("loads a pipeline file written before appeals existed, with the default appeals topic", () => {
    const p = structuredClone(loadPipelineFile(DEFAULT_PIPELINE));
    const older: Record<string, string> = { ...p.kafka.topics };
    delete older.appeals;
    const loaded = parsePipeline({ ...p, kafka: { ...p.kafka, topics: older } });
    expect(loaded.kafka.topics.appeals).toBe("modstream.appeals");
    expect(loaded.kafka.topics.posts).toBe(p.kafka.topics.posts);
  });

  it("rejects malformed environment values", () => {
    expect(() => loadConfig({ KAFKA_BROKERS: "nohostport" })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig({ REDIS_URL: "localhost:6379" })).toThrow(/REDIS_URL/);
    expect(loadConfig({ KAFKA_BROKERS: "h1:9092, h2:9093" }).kafkaBrokers).toEqual(["h1:9092", "h2:9093"]);
    expect(loadConfig({ MODSTREAM_PREFIX: "x1" }).pipeline.redis.prefix).toBe("x1");
  });

  it("reports a missing pipeline file", () => {
    expect(() => loadConfig({ MODSTREAM_PIPELINE: "/nonexistent.yaml" })).toThrow(/cannot read pipeline file/);
  });
});
