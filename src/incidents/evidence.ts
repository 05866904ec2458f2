// Evidence sampling: flagged posts go into bounded per-key reservoir samples, and reported posts
// and accounts into per-bucket candidate sets for report-opened incidents. Fed by the pipeline's
// "stepEvidence" event after a step's counts are durable; best effort (a lost sample loses no count).
import type { RedisClient } from "../redis/client";
import { CATEGORIES, type Post, type Report, type Score } from "../domain";
import type { IncidentKeys } from "./keys";
import type { IncidentStore, SampledPost } from "./store";
import { batch, execChecked } from "../redis/client";

export interface EvidenceOptions {
  redis: RedisClient;
  keys: IncidentKeys;
  store: IncidentStore;
  perKey: number;
  bucketSeconds: number;
  retentionSeconds: number;
}

const HOUR = 3_600_000;

/** What a report says about the incident type it points to. */
export const REPORT_TYPE = {
  rumour: "rumour",
  abuse: "abuse",
  spam: "attack",
  privacy: "data_leak",
  other: "abuse",
} as const;

export function toSample(post: Post, score: Score, tags: string[]): SampledPost {
  return {
    id: post.id,
    authorId: post.author.id,
    followers: post.author.followers,
    text: post.text,
    createdAt: post.createdAt,
    accountAgeDays: post.author.accountAgeDays,
    scores: Object.fromEntries(
      CATEGORIES.map((c) => [c, Math.round(score[c].score * 1000) / 1000]),
    ) as SampledPost["scores"],
    tags,
  };
}

export async function recordEvidence(
  o: EvidenceOptions,
  e: { posts: { post: Post; score: Score; tags: string[]; windowTags?: string[] }[]; reports: Report[] },
): Promise<void> {
  const pipe = batch(o.redis);
  for (const { post, score, tags, windowTags } of e.posts) {
    const s = toSample(post, score, tags);
    // Samples only under the keys that kept full windows: a one-off key's sample would never be read.
    o.store.sampleAdd(pipe, windowTags ?? tags, s, o.perKey, o.retentionSeconds);
    // What the models thought of a flagged post, so a flood of reports against it can be judged.
    const hourKey = o.keys.flaggedScores(Math.floor(Date.parse(post.createdAt) / HOUR));
    pipe.hset(hourKey, o.keys.tag("post", post.id), Math.max(...CATEGORIES.map((c) => score[c].score)).toFixed(3));
    pipe.expire(hourKey, Math.max(o.retentionSeconds, 7200));
  }
  const bs = o.bucketSeconds;
  for (const r of e.reports) {
    const bucket = Math.floor(Date.parse(r.createdAt) / 1000 / bs) * bs;
    const key = o.keys.reported(bucket);
    const post = o.keys.tag("post", r.postId);
    pipe.zincrby(key, 1, `${r.reason}|${post}`);
    if (r.targetAuthorId) {
      const author = o.keys.tag("author", r.targetAuthorId);
      pipe.zincrby(key, 1, `${r.reason}|${author}`);
      const targets = o.keys.reportTargets(bucket);
      pipe.hset(targets, post, author, author, post);
      pipe.expire(targets, o.retentionSeconds);
    }
    pipe.expire(key, o.retentionSeconds);
  }
  if (pipe.length) await execChecked(pipe);
}
