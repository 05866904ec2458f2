// A Pipeline wired to the real Redis (and a real Kafka producer for its dead-letter output),
// for tests that drive steps directly; plus a rule-of-thumb scorer for tests whose subject is
// windows or detection, not scoring.
import type { KafkaMessage, Producer } from "kafkajs";
import type { RedisClient } from "../../src/redis/client";
import { eventTimeBounds, type Config } from "../../src/config";
import type { Category, Post, Score } from "../../src/domain";
import { Events } from "../../src/events";
import { normalise } from "../../src/normalise";
import type { Scorer } from "../../src/score/scorer";
import { Pipeline } from "../../src/worker/pipeline";
import { DeadLetter } from "../../src/source/deadletter";
import { Keys } from "../../src/keys";
import { RedisWindowStore } from "../../src/windows/store";

/** Flags a category when the post's text contains its name in capitals (e.g. "RUMOUR"). */
export const markerScorer: Scorer = {
  scoreBatch: (posts: Post[]) =>
    posts.map((p) => {
      const one = (c: Category) => {
        const hit = p.text.includes(c.toUpperCase());
        return { score: hit ? 0.95 : 0.01, flagged: hit, top: [] };
      };
      const score: Score = {
        rumour: one("rumour"),
        abuse: one("abuse"),
        attack: one("attack"),
        data_leak: one("data_leak"),
      };
      return score;
    }),
};

export function testPipeline(
  cfg: Config,
  redis: RedisClient,
  producer: Producer,
  scorer?: Scorer,
  prefix = cfg.pipeline.redis.prefix,
) {
  const keys = new Keys(prefix);
  const events = new Events();
  const p = cfg.pipeline;
  const windows = new RedisWindowStore({
    redis,
    keys,
    retentionSeconds: p.windows.retentionSeconds,
    bookkeepingTtlSeconds: 600,
    candidatesKept: p.windows.candidatesKept,
    events,
  });
  const pipeline = new Pipeline({
    topics: p.kafka.topics,
    limits: p.limits,
    eventTime: eventTimeBounds(p),
    bucketSeconds: p.windows.bucketSeconds,
    keyWindows: {
      enabled: true,
      promoteMinPosts: 2,
      hotRefreshMs: 2000,
      newAccountDays: 7,
      sampleUnflagged: 1,
      heavyHitters: 4096,
      evidenceMinFlagged: EVIDENCE_FROM_FIRST,
    },
    deadLetter: new DeadLetter(producer, p.kafka.topics.deadLetter, events),
    windows,
    keys,
    normalise,
    scorer,
    events,
  });
  return { pipeline, windows, keys, events };
}

/** Every flagged post sampled as evidence under each key with full windows. */
export const EVIDENCE_FROM_FIRST: Record<Category, number> = { rumour: 1, abuse: 1, attack: 1, data_leak: 1 };

export function messages(posts: object[], firstOffset = 0): KafkaMessage[] {
  return posts.map((p, i) => ({
    offset: String(firstOffset + i),
    key: null,
    value: Buffer.from(JSON.stringify(p)),
    timestamp: String(Date.now()),
    attributes: 0,
    headers: {},
  }));
}
