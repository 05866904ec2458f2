// Backtest through the real path (Kafka → worker with the trained models → Redis → detector →
// incidents), twice: a recording with a rumour copy-spread and an abuse pile-on in ordinary
// background traffic, replayed through the current pipeline and through a candidate that flags
// abuse and rumour far more strictly. The stricter candidate opens fewer incidents, the report
// says which it missed, and the live keys and topics of the config it was given are untouched.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { Partitioners } from "kafkajs";
import { loadConfig, type Config } from "../../src/config";
import { recordingOf, runBacktest } from "../../src/drill/backtest";
import { SCENARIOS } from "../../src/drill/scenarios";
import { normalise } from "../../src/normalise";
import { loadBenignCorpus } from "../../src/replay/corpus";
import { readTopicSince } from "../../src/replay/record";
import { Synth } from "../../src/replay/synth";
import { defaultDataDir } from "../../src/cli/score";
import { scanKeys, type RedisClient } from "../../src/redis/client";
import { loadDefaultScorer } from "../../src/worker/scoring";
import type { Post, Report } from "../../src/domain";
import { cleanRedis, deleteTopics, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";

const SECONDS = 80;
const RATE = 60;
const BURST_AT = 35_000;

/** Background at RATE posts/s for SECONDS, with the rumour and pile-on drills' bursts in it. */
function recording(startMs: number): string[] {
  const synth = new Synth({
    seed: 3,
    authors: 20_000,
    zhShare: 0.5,
    startMs,
    ratePerSec: RATE,
    corpus: loadBenignCorpus(defaultDataDir()),
  });
  const rows: (Post | Report)[] = Array.from({ length: SECONDS * RATE }, () => synth.post());
  for (const s of SCENARIOS.filter((x) => x.name === "rumour" || x.name === "pileon"))
    rows.push(...s.posts(startMs + BURST_AT, 11));
  return [...rows.map((r) => JSON.stringify(r)), "{not json"];
}

async function liveState(redis: RedisClient, cfg: Config) {
  const keys: string[] = [];
  for await (const batch of scanKeys(redis, `${cfg.pipeline.redis.prefix}:*`)) keys.push(...batch);
  const admin = kafkaClient(cfg).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(cfg.pipeline.kafka.topics.posts);
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(cfg.pipeline.kafka.topics.posts)).sort();
  await admin.disconnect();
  return { keys: keys.sort(), offsets: offsets.map((o) => `${o.partition}:${o.high}`).sort(), topics };
}

describe("backtest", () => {
  // The "live" deployment whose config the backtest is given: its keys and topics must not move.
  const live = isolatedConfig("backtest-live");
  let redis: RedisClient;
  let dir: string;

  beforeAll(async () => {
    redis = redisClient(live);
    dir = mkdtempSync(join(tmpdir(), "modstream-backtest-"));
    await redis.set(`${live.pipeline.redis.prefix}:sentinel`, "live");
    const producer = kafkaClient(live).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: live.pipeline.kafka.topics.posts,
      messages: [{ key: "x", value: JSON.stringify({ live: true }) }],
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await cleanRedis(redis, live);
    await deleteTopics(live);
    redis.disconnect();
  });

  it("reports fewer incidents for a stricter threshold, with what it misses, and leaves live keys untouched", async () => {
    const file = join(dir, "recording.ndjson");
    const lines = recording(Date.parse("2026-11-02T09:00:00Z"));
    writeFileSync(file, lines.join("\n") + "\n");
    const candidateFile = join(dir, "candidate.yaml");
    const strict = structuredClone(live.pipeline) as Config["pipeline"] & { scoring: { flagAt: object } };
    strict.scoring.flagAt = { ...strict.scoring.flagAt, abuse: 0.9999, rumour: 0.9999 };
    writeFileSync(candidateFile, stringify(strict));
    const before = await liveState(redis, live);

    const rec = recordingOf(
      file,
      readFileSync(file, "utf8")
        .split("\n")
        .map((text, i) => ({ at: `${file}:${i + 1}`, text })),
      100_000,
    );
    expect(rec.skippedCount).toBe(1);
    expect(rec.skipped[0]).toEqual({ at: `${file}:${lines.length}`, reason: expect.stringMatching(/^not JSON/) });
    const report = await runBacktest({
      current: live,
      candidate: loadConfig(process.env, { pipelineFile: candidateFile }),
      recording: rec,
      log,
      say: () => undefined,
      normalise,
      scorer: await loadDefaultScorer(log),
    });

    const posts = rec.messages.length;
    expect(report.current.posts).toBe(posts);
    expect(report.candidate.posts).toBe(posts);
    const types = report.current.incidents.map((i) => i.type);
    expect(types).toContain("rumour");
    expect(types).toContain("abuse");
    expect(report.candidate.incidents.length).toBeLessThan(report.current.incidents.length);
    // Rumour posts score below 0.9999: the copy-spread is missed. The pile-on's explicit insults
    // still flag, so its incident may stay.
    expect(report.changes.missed.map((i) => i.type)).toContain("rumour");
    expect(report.changes.opened).toEqual([]);
    expect(report.candidate.flagRate.rumour).toBeLessThan(report.current.flagRate.rumour);
    expect(report.candidate.flagRate.abuse).toBeLessThan(report.current.flagRate.abuse);
    // The bursts start 35 s into the recording and are detected in stream time.
    for (const i of report.current.incidents.filter((x) => x.type === "rumour" || x.type === "abuse")) {
      expect(i.startsAtSec).toBeGreaterThanOrEqual(BURST_AT / 1000 - 1);
      expect(i.detectedAfterMs).not.toBeNull();
      expect(i.detectedAfterMs).toBeLessThanOrEqual(30_000);
    }

    expect(await liveState(redis, live)).toEqual(before);
  });

  it("reads a topic's recording since a time, and nothing older", async () => {
    const cfg = isolatedConfig("record");
    const topic = cfg.pipeline.kafka.topics.posts;
    const admin = kafkaClient(cfg).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await admin.disconnect();
    // Idempotent: a send retried while the broker settles must not write the messages twice.
    const producer = kafkaClient(cfg).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const now = Date.now();
    // Three older messages come last, as a producer with a slow clock would write them.
    const at = (i: number) => String(i < 10 || i >= 30 ? now - 2 * 3_600_000 : now - 60_000 + i);
    await producer.send({
      topic,
      messages: Array.from({ length: 33 }, (_, i) => ({ key: String(i), value: `m${i}`, timestamp: at(i) })),
    });
    await producer.disconnect();
    try {
      const read = await readTopicSince(kafkaClient(cfg), topic, now - 3_600_000);
      expect(read.map((r) => r.text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 10}`).sort());
    } finally {
      await deleteTopics(cfg);
    }
  });
});
