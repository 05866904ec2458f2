// What a fault test asserts once the fault is over: every post counted exactly once (stream and
// per key), the drill burst's rumour incident opened once, no two incidents on one key, and its
// "opened" event published once per (kind, at) on the incidents topic, however much was replayed.
import { expect } from "vitest";
import type { Kafka } from "kafkajs";
import type { Config } from "../../src/config";
import type { Post } from "../../src/domain";
import type { IncidentService } from "../../src/incidents/service";
import { normalise } from "../../src/normalise";
import type { Keys } from "../../src/keys";
import { keysOf } from "../../src/windows/keyset";
import type { RedisClient } from "../../src/redis/client";
import { kafkaClient } from "../helpers/env";
import { actualKeyCounts, allPostsCommitted, expectedKeyCounts, keyCountDiff, readTopic, streamPosts } from "./support";

/**
 * Once the group has committed the whole topic (no re-delivery is left to come), the stream total
 * and every hashtag, URL, domain and mention key hold exactly the posts published.
 */
export async function expectCountedExactly(
  redis: RedisClient,
  cfg: Config,
  keys: Keys,
  posts: readonly Post[],
): Promise<void> {
  await allPostsCommitted(kafkaClient(cfg), cfg, 120_000);
  expect(await streamPosts(redis, cfg)).toBe(posts.length);
  const diff = keyCountDiff(expectedKeyCounts(keys, posts), await actualKeyCounts(redis, cfg.pipeline.redis.prefix));
  expect(diff, "per-key totals").toEqual({ count: 0, first: [] });
}

/** The rumour incidents on any window key of the burst's posts. */
export function burstIncidents(service: IncidentService, keys: Keys, burst: readonly Post[]) {
  const signature = new Set(burst.flatMap((p) => keysOf(p, normalise(p.text)).map((k) => keys.tag(k.kind, k.value))));
  return async () =>
    (await service.list({ type: "rumour", limit: 500 })).filter((i) =>
      [keys.tag(i.kind as "hashtag", i.key), ...i.aliases].some((t) => signature.has(t)),
    );
}

/**
 * One rumour incident for the burst, opened once; no two incidents of a type share a key; its
 * "opened" event on the incidents topic at least once, all copies the same event. Returns the
 * incident's id and how many "opened" messages the topic holds.
 */
export async function expectBurstIncidentOnce(
  service: IncidentService,
  keys: Keys,
  burst: readonly Post[],
  kafka: Kafka,
  cfg: Config,
): Promise<{ id: string; openedMessages: number }> {
  const opened = await burstIncidents(service, keys, burst)();
  expect(opened.map((i) => i.type)).toEqual(["rumour"]);
  const id = opened[0]!.id;
  const timeline = await service.timeline(id);
  expect(timeline.filter((e) => e.kind === "opened")).toHaveLength(1);
  const all = await service.list({ limit: 500 });
  const tags = all.flatMap((i) =>
    [...new Set([keys.tag(i.kind as "hashtag", i.key), ...i.aliases])].map((t) => `${i.type}|${t}`),
  );
  expect(tags.length).toBe(new Set(tags).size);
  // Consumers dedupe on (id, kind, at).
  const events = (await readTopic(kafka, cfg.pipeline.kafka.topics.incidents))
    .map((m) => JSON.parse(m.value) as { incidentId: string; kind: string; at: number })
    .filter((e) => e.incidentId === id && e.kind === "opened");
  expect(events.length).toBeGreaterThanOrEqual(1);
  expect(new Set(events.map((e) => `${e.kind}|${e.at}`)).size).toBe(1);
  return { id, openedMessages: events.length };
}
