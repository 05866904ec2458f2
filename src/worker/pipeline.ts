// handleStep: decode → dead-letter → normalise → score → windows, top to bottom, for one
// partition's slice of a Kafka batch. Returns when every effect is durable.
import type { Scorer } from "../score/scorer";
import type { KafkaMessage } from "kafkajs";
import type { KeyKind, Post, Report, Score, ScoredPost } from "../domain";
import type { Events } from "../events";
import { checkEventTime, decodePost, decodeReport, type DecodeLimits, type TimeBounds } from "../source/decode";
import type { DeadLetter, Rejected } from "../source/deadletter";
import type { Step } from "../source/consumer";
import { CATEGORIES, type Category } from "../domain";
import { BatchAggregate, bucketStartOf } from "../windows/aggregate";
import { CandidateAggregate } from "../windows/candidates";
import { keysOf, type KeyRef } from "../windows/keyset";
import { fnv1a, type Keys } from "../keys";
import type { RedisWindowStore } from "../windows/store";

export interface PipelineOptions {
  topics: { posts: string; reports: string };
  limits: DecodeLimits;
  /** createdAt relative to the broker's timestamp; outside it a message is dead-lettered. */
  eventTime: TimeBounds;
  bucketSeconds: number;
  /** Per-key windows and candidates; off leaves only the stream totals (ingest benchmarks). */
  keyWindows: {
    enabled: boolean;
    promoteMinPosts: number;
    hotRefreshMs: number;
    newAccountDays: number;
    /** Unflagged posts are counted per key from a 1-in-N sample (1 = all); see facts(). */
    sampleUnflagged: number;
  };
  deadLetter: DeadLetter;
  windows: RedisWindowStore;
  keys: Keys;
  normalise: (text: string) => string;
  /** Absent when scoring is switched off (ingest benchmarks). */
  scorer?: Scorer;
  /** Operating thresholds: a post is flagged in the windows when its score reaches these. */
  /** Per-category overrides of the models' own thresholds. */
  flagAt?: Partial<Record<Category, number>>;
  events: Events;
}

interface Decoded<T> {
  value: T;
  offset: number;
}

/** The key every post and report is counted under (stream totals). */
export const STREAM = "all";

const LONG_TAIL: ReadonlySet<KeyKind> = new Set(["cluster", "author"]);

interface PostFacts {
  t: number;
  offset: number;
  author: string;
  /** Counted under the stream (exact). */
  counts: Record<string, number>;
  /** Counted under each key (weighted by the sample rate for unflagged posts). */
  keyCounts: Record<string, number>;
  weight: number;
  flagged: Category[];
  keys: KeyRef[];
}

export class Pipeline {
  private readonly streamTag: string;
  private hot = new Set<string>();
  private hotReadAt = 0;

  constructor(private readonly o: PipelineOptions) {
    this.streamTag = o.keys.tag("stream", STREAM);
  }

  /** The detector's watch list, re-read at most every hotRefreshMs. */
  private async hotKeys(): Promise<Set<string>> {
    const now = Date.now();
    if (this.o.keyWindows.enabled && now - this.hotReadAt > this.o.keyWindows.hotRefreshMs) {
      this.hot = await this.o.windows.readHot(now);
      this.hotReadAt = now;
    }
    return this.hot;
  }

  readonly handleStep = async (step: Step): Promise<void> => {
    const t0 = performance.now();
    const { topic, partition } = step;
    const mark = await this.o.windows.readMark(topic, partition);
    const fresh = step.messages.filter((m) => Number(m.offset) > mark.applied);
    if (fresh.length < step.messages.length)
      this.o.events.emit("replaySkipped", { partition, messages: step.messages.length - fresh.length });
    const lastMsg = fresh[fresh.length - 1];
    if (!lastMsg) return;
    const last = Number(lastMsg.offset);

    const rejected: Rejected[] = [];
    const isReports = topic === this.o.topics.reports;
    const posts: Decoded<Post>[] = [];
    const reports: Decoded<Report>[] = [];
    for (const m of fresh) {
      const d = isReports ? decodeReport(m.value, this.o.limits) : decodePost(m.value, this.o.limits);
      const t = d.ok ? checkEventTime(d.value.createdAt, brokerTime(m), this.o.eventTime) : d;
      if (!t.ok) rejected.push(reject(topic, partition, m, t.reason, t.detail));
      else if (d.ok) (isReports ? reports : posts).push({ value: d.value as Post & Report, offset: Number(m.offset) });
    }
    await this.o.deadLetter.send(rejected);

    const scored = this.score(posts, topic, partition);
    const counted = scored.map((sp) => this.facts(sp));
    const hot = await this.hotKeys();
    const tally = (candidateGuards?: ReadonlyMap<string, number>) => {
      const cand = new CandidateAggregate(candidateGuards);
      for (const f of counted)
        for (const k of f.keys)
          cand.add(k.kind, k.value, bucketStartOf(f.t, this.o.bucketSeconds * 1000), f.offset, f.flagged, f.weight);
      return cand;
    };
    // Which keys get full windows is decided from every post of the step, never from what the
    // guards leave to write: after a partial step (a crash, a Redis Cluster primary lost) a key's
    // candidate sub-set may hold the step while its buckets do not, and must still be promoted.
    const all = tally();
    const build = (guards?: ReadonlyMap<string, number>, candidateGuards?: ReadonlyMap<string, number>) => {
      const agg = new BatchAggregate(this.o.bucketSeconds * 1000, guards);
      const cand = candidateGuards ? tally(candidateGuards) : all;
      for (const f of counted) this.countPost(agg, all, hot, f);
      for (const r of reports) this.countReport(agg, r);
      return { agg, cand };
    };
    let { agg, cand } = build();
    const recovering = Number(fresh[0]?.offset) <= mark.inflight;
    if (recovering) {
      const [guards, candidateGuards] = await Promise.all([
        this.o.windows.loadGuards(topic, partition, agg.updates()),
        this.o.windows.loadCandidateGuards(topic, partition, cand.updates()),
      ]);
      ({ agg, cand } = build(guards, candidateGuards));
    }

    await this.o.windows.beginBatch(topic, partition, last);
    // On a Redis Cluster, the in-flight mark must outlive its primary before any bucket changes:
    // a replay that did not see it would take a half-applied step for a new one.
    await this.o.windows.replicated();
    await Promise.all([
      this.o.windows.applyBuckets(topic, partition, last, agg.updates()),
      this.o.windows.applyCandidates(topic, partition, last, cand.updates()),
    ]);
    await this.o.windows.replicated();
    await this.o.windows.endBatch(topic, partition, last);
    // Evidence for incidents (src/incidents samples it): flagged posts with their window tags, and reports.
    if (this.o.events.listenerCount("stepEvidence") > 0)
      this.o.events.emit("stepEvidence", {
        posts: scored
          .filter((s) => s.score && CATEGORIES.some((c) => s.score[c].flagged))
          .map((s) => ({
            post: s.post,
            score: s.score,
            tags: keysOf(s.post, s.normalised).map((k) => this.o.keys.tag(k.kind, k.value)),
          })),
        reports: reports.map((r) => r.value),
      });
    this.o.events.emit("batch", {
      topic,
      partition,
      messages: fresh.length,
      valid: posts.length + reports.length,
      deadLettered: rejected.length,
      ms: performance.now() - t0,
      scores: this.o.scorer ? scored.map((s) => s.score) : undefined,
      eventLagMs: eventLag(counted),
      eventTimesMs: Float64Array.from(counted, (f) => f.t),
    });
  };

  private score(posts: Decoded<Post>[], topic: string, partition: number): ScoredPost[] {
    const normalised = posts.map((p) => this.o.normalise(p.value.text));
    const scores = this.o.scorer?.scoreBatch(
      posts.map((p) => p.value),
      normalised,
    );
    const flagAt = this.o.flagAt;
    if (scores && flagAt)
      for (const s of scores)
        for (const c of CATEGORIES) {
          const at = flagAt[c];
          if (at !== undefined) s[c] = { ...s[c], flagged: s[c].score >= at };
        }
    return posts.map((p, i) => ({
      post: p.value,
      normalised: normalised[i] ?? "",
      score: scores?.[i] as Score,
      partition,
      offset: String(p.offset),
      topic,
    }));
  }

  /**
   * What one post adds to the windows, worked out once for both passes.
   *
   * Flagged posts are counted under every key exactly. Unflagged posts matter per key only as the
   * denominator of the flagged share (trend or incident?), so they are counted from a 1-in-N
   * sample chosen by a hash of the post id — the same posts on every replay, which keeps replays
   * idempotent — with weight N. That spares most posts the key extraction (text clustering above
   * all) while the stream totals stay exact.
   */
  private facts(s: ScoredPost): PostFacts {
    const { post } = s;
    const n = this.o.keyWindows.sampleUnflagged;
    const flaggedAny = s.score !== undefined && CATEGORIES.some((c) => s.score[c].flagged);
    const sampled = flaggedAny || n <= 1 || fnv1a(post.id) % n === 0;
    const weight = flaggedAny ? 1 : n;
    const counts: Record<string, number> = { posts: 1, reach: post.author.followers };
    if (post.author.accountAgeDays < this.o.keyWindows.newAccountDays) counts.newacct = 1;
    const flagged: Category[] = [];
    if (s.score)
      for (const c of CATEGORIES) {
        const cs = s.score[c];
        if (cs.flagged) {
          counts[`flagged:${c}`] = 1;
          flagged.push(c);
        }
        if (cs.score >= 0.1) counts[`mass:${c}`] = Math.round(cs.score * 1000);
      }
    const keyCounts: Record<string, number> = { ...counts, posts: weight, reach: post.author.followers * weight };
    if (counts.newacct) keyCounts.newacct = weight;
    return {
      t: Date.parse(post.createdAt),
      offset: Number(s.offset),
      author: post.author.id,
      counts,
      keyCounts,
      weight,
      flagged,
      keys: this.o.keyWindows.enabled && sampled ? keysOf(post, s.normalised) : [],
    };
  }

  /**
   * Every key is tallied in the candidate sets. Full per-key windows (counters and distinct
   * authors) are kept only for the keys that can matter: those with a flagged post, on the
   * detector's watch list, or — for hashtags, URLs, domains and mentions — seen at least
   * promoteMinPosts times in this step. Text clusters and authors, the two kinds with a long tail
   * of millions of keys, get full windows only once flagged or watched; until then they live in
   * the candidate sets alone.
   */
  private countPost(agg: BatchAggregate, cand: CandidateAggregate, hot: Set<string>, f: PostFacts): void {
    agg.add(this.streamTag, f.t, f.offset, f.counts, f.author);
    const bucket = agg.bucketStart(f.t);
    // Candidate counts are weighted by the sample rate: a key needs promoteMinPosts sampled posts.
    const min = this.o.keyWindows.promoteMinPosts * this.o.keyWindows.sampleUnflagged;
    for (const k of f.keys) {
      const promoted =
        f.flagged.length > 0 ||
        (!LONG_TAIL.has(k.kind) && cand.count(k.kind, k.value, bucket) >= min) ||
        cand.anyFlagged(k.kind, k.value, bucket) ||
        hot.has(`${k.kind}|${k.value}`);
      if (promoted) agg.add(this.o.keys.tag(k.kind, k.value), f.t, f.offset, f.keyCounts, f.author);
    }
  }

  private countReport(agg: BatchAggregate, r: Decoded<Report>): void {
    const t = Date.parse(r.value.createdAt);
    const by = r.value.reporterId;
    agg.add(this.streamTag, t, r.offset, { reports: 1 }, by);
    agg.add(this.o.keys.tag("post", r.value.postId), t, r.offset, { reports: 1 }, by);
    if (r.value.targetAuthorId)
      agg.add(this.o.keys.tag("author", r.value.targetAuthorId), t, r.offset, { reports: 1 }, by);
  }
}

/** How long after their event time (createdAt) the step's posts became durable, in ms. */
function eventLag(counted: PostFacts[]): { max: number; mean: number } | undefined {
  if (counted.length === 0) return undefined;
  const now = Date.now();
  let max = 0;
  let sum = 0;
  for (const f of counted) {
    const lag = Math.max(0, now - f.t);
    sum += lag;
    if (lag > max) max = lag;
  }
  return { max, mean: sum / counted.length };
}

/** The broker's timestamp of a message; the worker's clock for a message without one (magic byte 0). */
function brokerTime(m: KafkaMessage): number {
  const ms = Number(m.timestamp);
  return Number.isFinite(ms) && ms > 0 ? ms : Date.now();
}

function reject(topic: string, partition: number, m: KafkaMessage, reason: string, detail: string): Rejected {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, reason, detail };
}
