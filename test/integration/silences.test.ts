// Silences through the real path — Kafka → worker → Redis windows → detector → spikes stream →
// incidents: a burst on a silenced hashtag is still counted and still spikes, but opens no
// incident, publishes nothing on the incidents topic and is listed as silenced with its silence
// and counted on /metrics, while the same burst on another hashtag opens its incident; on a
// hashtag with a grave (grade I/II) abuse incident open, the rumour burst is inhibited.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Consumer } from "kafkajs";
import type { Spike } from "../../src/domain";
import { Events } from "../../src/events";
import { IncidentService } from "../../src/incidents/service";
import { Silences } from "../../src/incidents/silences";
import { normalise } from "../../src/normalise";
import { scanKeys, type RedisClient } from "../../src/redis/client";
import { normaliseKey } from "../../src/windows/keyset";
import { incidentsExtension } from "../../src/worker/incidents";
import { startWorker, type Worker } from "../../src/worker/main";
import { metricsExtensionWith } from "../../src/worker/metrics";
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
} from "../helpers/env";
import { markerScorer } from "../helpers/pipeline";
import { GRAVE_FIGURES } from "../helpers/spikes";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const metricsPort = await freePort();
const cfg = isolatedConfig("silence-worker", (p) => ({
  ...p,
  metrics: { host: "127.0.0.1", port: metricsPort },
  detect: { ...p.detect, tickMs: 500 },
  incidents: { ...p.incidents!, tickMs: 250 },
}));
const keys = new Keys(cfg.pipeline.redis.prefix);
const BACKGROUND = 2000;
const BURST = 30;
let worker: Worker | undefined;
let redis: RedisClient;
let consumer: Consumer | undefined;
const published: string[] = [];

const hex = () => randomBytes(4).toString("hex");
/** Flagged posts with no two texts alike: the burst spikes on its hashtag alone, not on a text cluster. */
const burst = (tag: string, hashtag: string) =>
  Array.from({ length: BURST }, (_, i) => ({
    key: `${tag}${i}`,
    value: JSON.stringify(
      post(`${tag}${i}`, {
        createdAt: new Date(Date.now() - 1000).toISOString(),
        text: `RUMOUR ${hex()} ${hex()} ${hex()} ${hex()} ${hex()} ${hex()}`,
        hashtags: [hashtag],
      }),
    ),
  }));

beforeAll(async () => {
  redis = redisClient(cfg);
  worker = await startWorker(cfg, log, {
    normalise,
    scorer: markerScorer,
    extensions: [metricsExtensionWith(() => undefined), incidentsExtension],
  });
  consumer = kafkaClient(cfg).consumer({ groupId: `read-${cfg.pipeline.redis.prefix}` });
  await consumer.connect();
  await consumer.subscribe({ topic: cfg.pipeline.kafka.topics.incidents, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void published.push(message.value?.toString() ?? "") });
});

afterAll(async () => {
  await consumer?.disconnect();
  await worker?.close();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("silences and inhibition through a running worker", () => {
  it("opens nothing and pages nobody, the same burst on another key opens its incident, and one beside a grave incident is inhibited", async () => {
    const silences = new Silences({ redis, keys, normaliseKey });
    const silence = await silences.add(
      { kind: "hashtag", key: "#QuietDam", for: "1h", reason: "a known hoax, handled with the platform" },
      "lena",
    );
    // A grave abuse incident already open on #GraveDam: the rumour burst there is inhibited.
    const incidents = new IncidentService({ redis, keys, pipeline: cfg.pipeline, events: new Events() });
    const grave = await incidents.open({
      type: "abuse",
      source: "manual",
      kind: "hashtag",
      key: "gravedam",
      tag: keys.tag("hashtag", "gravedam"),
      ref: "grave",
      figures: GRAVE_FIGURES,
      firstEvidenceAt: Date.now() - 60_000,
      text: "a pile-on",
    });
    expect((await incidents.get(grave.id)).grade).toBeLessThanOrEqual(2);
    const now = Date.now();
    const tags = ["news", "sport", "weather", "music"];
    const background = Array.from({ length: BACKGROUND }, (_, i) => ({
      key: `bg${i}`,
      value: JSON.stringify(
        post(`bg${i}`, { createdAt: new Date(now - ((i * 300) % 600_000)).toISOString(), hashtags: [tags[i % 4]] }),
      ),
    }));
    const producer = kafkaClient(cfg).producer();
    await producer.connect();
    await producer.send({ topic: cfg.pipeline.kafka.topics.posts, messages: background });
    await producer.send({
      topic: cfg.pipeline.kafka.topics.posts,
      messages: [...burst("quiet", "#QuietDam"), ...burst("loud", "#LoudDam"), ...burst("grave", "#GraveDam")],
    });
    await producer.disconnect();

    const loud = await eventually(
      "the loud burst's incident",
      () => incidents.ownerOf("rumour", keys.tag("hashtag", "louddam")),
      (i) => i !== undefined,
      60_000,
    );
    expect(loud).toMatchObject({ type: "rumour", state: "open", kind: "hashtag", key: "louddam" });
    const suppressed = await eventually(
      "the quiet burst silenced",
      () => silences.suppressed(),
      (s) => s.some((x) => x.key === "quietdam"),
      30_000,
    );
    expect(suppressed.find((x) => x.key === "quietdam")).toMatchObject({
      reason: "silenced",
      silenceId: silence.id,
      type: "rumour",
      kind: "hashtag",
      source: "spike",
    });

    const inhibited = await eventually(
      "the grave key's rumour burst inhibited",
      () => silences.suppressed(),
      (s) => s.some((x) => x.key === "gravedam"),
      30_000,
    );
    expect(inhibited.find((x) => x.key === "gravedam")).toMatchObject({
      reason: "inhibited",
      incidentId: grave.id,
      type: "rumour",
    });
    expect(await incidents.ownerOf("rumour", keys.tag("hashtag", "gravedam"))).toBeUndefined();

    // Still a spike on the spikes stream, and still counted by the windows.
    const spikes = (await redis.xrange(keys.spikes(), "-", "+")).map(
      ([, f]) => JSON.parse(f[f.indexOf("spike") + 1] ?? "{}") as Spike,
    );
    expect(spikes.map((s) => `${s.type}:${s.kind}:${s.key}`)).toEqual(
      expect.arrayContaining(["rumour:hashtag:quietdam", "rumour:hashtag:louddam"]),
    );
    let counted = 0;
    for await (const batch of scanKeys(redis, keys.bucketPattern(keys.tag("hashtag", "quietdam"))))
      for (const b of batch) counted += Number((await redis.hget(b, "posts")) ?? 0);
    expect(counted).toBe(BURST);

    // No incident on the silenced key, and nothing about it on the incidents topic (nor Alertmanager,
    // which is fed from the same outbox); the loud incident's opening is published.
    await eventually(
      "the loud incident published",
      async () => published,
      (p) => p.some((m) => m.includes(loud!.id) && m.includes('"kind":"opened"')),
      30_000,
    );
    expect((await incidents.list({ limit: 200 })).filter((i) => i.key === "quietdam")).toEqual([]);
    expect(await incidents.ownerOf("rumour", keys.tag("hashtag", "quietdam"))).toBeUndefined();
    expect(published.filter((m) => m.includes("quietdam") || m.includes('on hashtag \\"gravedam'))).toEqual([]);

    // Counted on the worker's /metrics.
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/modstream_incidents_suppressed_total\{type="rumour",reason="silenced"\} [1-9]/);
    expect(text).toMatch(/modstream_incidents_suppressed_total\{type="rumour",reason="inhibited"\} [1-9]/);
    expect(text).toMatch(/modstream_incidents_suppressed_total\{type="abuse",reason="silenced"\} 0/);
  });
});
