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
import { SpaceSaving } from "../windows/heavy";
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
    /** Keys per kind in the process's heavy-hitter sketches (see `matters`). */
    heavyHitters: number;
    /**
     * A flagged post is sampled as evidence under a key with full windows once the key has this
     * many flagged posts (of any category, counted as in `matters`) for one of the post's
     * categories: the detector examines a key from half its `detect.minFlagged`, and evidence is
     * only read for a key that spiked.
     */
    evidenceMinFlagged: Record<Category, number>;
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

/** What one step holds of a key: posts (weighted by the sample rate) and flagged posts, over all its buckets. */
interface StepKey {
  kind: KeyRef["kind"];
  value: string;
  posts: number;
  flagged: number;
}

/** What the step does with a key (see `matters`). */
interface KeyUse {
  /** Tallied in the candidate sets (the detector's posts and flagged per key). */
  candidate: boolean;
  /** Full windows (counters, distinct authors). */
  full: boolean;
  watched: boolean;
  /** Flagged posts in the step and, by the sketch, recently. */
  flagged: number;
}

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
  /** `kind|value` of each of `keys`, in the same order: the id the step's maps use. */
  ids: string[];
}

export class Pipeline {
  private readonly streamTag: string;
  private hot = new Set<string>();
  private hotReadAt = 0;
  /** Per kind: posts (weighted) and flagged posts per key over the recent steps of this process. */
  private readonly seen = new Map<KeyRef["kind"], SpaceSaving>();
  private readonly seenFlagged = new Map<KeyRef["kind"], SpaceSaving>();
  /** The latest bucket the sketches have been decayed for. */
  private decayedAt = -Infinity;

  constructor(private readonly o: PipelineOptions) {
    this.streamTag = o.keys.tag("stream", STREAM);
  }

  private sketch(of: Map<KeyRef["kind"], SpaceSaving>, kind: KeyRef["kind"]): SpaceSaving {
    let s = of.get(kind);
    if (!s) of.set(kind, (s = new SpaceSaving(this.o.keyWindows.heavyHitters)));
    return s;
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
    const bucketMs = this.o.bucketSeconds * 1000;
    // What the step does with each key is decided from every post of the step (and from what
    // this process saw before it), never from what the guards leave to write: after a partial
    // step (a crash, a Redis Cluster primary lost) a key's candidate sub-set may hold the step
    // while its buckets do not, and the retry must still give it full windows.
    const stepKeys = this.stepKeys(counted);
    const use = this.matters(stepKeys, hot);
    const tally = (candidateGuards?: ReadonlyMap<string, number>) => {
      const cand = new CandidateAggregate(candidateGuards);
      for (const f of counted)
        for (let i = 0; i < f.keys.length; i++) {
          const k = f.keys[i] as KeyRef;
          if (use.get(f.ids[i] as string)?.candidate)
            cand.add(k.kind, k.value, bucketStartOf(f.t, bucketMs), f.offset, f.flagged, f.weight);
        }
      return cand;
    };
    const build = (guards?: ReadonlyMap<string, number>, candidateGuards?: ReadonlyMap<string, number>) => {
      const agg = new BatchAggregate(bucketMs, guards);
      const cand = tally(candidateGuards);
      for (const f of counted) this.countPost(agg, use, f);
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
    this.remember(stepKeys, counted);
    // Evidence for incidents (src/incidents samples it): flagged posts with their window tags, and reports.
    if (this.o.events.listenerCount("stepEvidence") > 0)
      this.o.events.emit("stepEvidence", {
        posts: this.evidence(scored, counted, use),
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

  /**
   * The step's flagged posts with the tags of all their keys, and of the keys whose evidence
   * samples take them. A flagged post is always sampled, so its facts hold its keys already
   * (unless key windows are off).
   */
  private evidence(scored: readonly ScoredPost[], counted: readonly PostFacts[], use: ReadonlyMap<string, KeyUse>) {
    const out = [];
    for (let i = 0; i < scored.length; i++) {
      const s = scored[i] as ScoredPost;
      const f = counted[i] as PostFacts;
      if (f.flagged.length === 0) continue;
      const keys = this.o.keyWindows.enabled ? f.keys : keysOf(s.post, s.normalised);
      const tags = keys.map((k) => this.o.keys.tag(k.kind, k.value));
      const windowTags = tags.filter((_, j) =>
        this.keepsEvidence(use.get(f.ids[j] ?? idOf(keys[j] as KeyRef)), s.score),
      );
      out.push({ post: s.post, score: s.score, tags, windowTags });
    }
    return out;
  }

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
          // Each Score is the scorer's fresh object: set in place, not copied for every post.
          if (at !== undefined) s[c].flagged = s[c].score >= at;
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
    const keys = this.o.keyWindows.enabled && sampled ? keysOf(post, s.normalised) : [];
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
      keys,
      ids: keys.map(idOf),
    };
  }

  /** Posts and flagged posts per key in this step, over all its buckets. */
  private stepKeys(counted: readonly PostFacts[]): Map<string, StepKey> {
    const out = new Map<string, StepKey>();
    for (const f of counted)
      for (let i = 0; i < f.keys.length; i++) {
        const k = f.keys[i] as KeyRef;
        const id = f.ids[i] as string;
        let e = out.get(id);
        if (!e) out.set(id, (e = { kind: k.kind, value: k.value, posts: 0, flagged: 0 }));
        e.posts += f.weight;
        if (f.flagged.length > 0) e.flagged += 1;
      }
    return out;
  }

  /**
   * Which keys matter. Most keys of a stream are one-off (an author's only post of the hour, a
   * text nobody copies), and what a one-off key would keep in Redis — per-key counters, distinct
   * authors, an evidence sample holding a copy of the post — is never read: a spike needs at
   * least `detect.minFlagged` flagged posts under one key. So, with m = promoteMinPosts and the
   * sample weight n, counting this step and what this process's heavy-hitter sketches (one per
   * kind, Space-Saving, so a repeating key is never missed) saw in the recent steps:
   *
   * - a key is tallied in the candidate sets (the detector's flagged posts and posts per key)
   *   when it has a flagged post now or recently, is watched, or has at least m × n posts. Flagged
   *   posts therefore always count there, exactly: the detector's flagged series are complete;
   * - it gets full windows (counters, distinct authors, evidence samples) when it has at least m
   *   flagged posts, is watched, or — hashtags, URLs, domains and mentions, not the long tail of
   *   text clusters and authors — has at least m × n posts.
   *
   * With m = 1 every key of a flagged post gets full windows, and with n = 1 too every key of
   * every post (the fault tests' exact per-key counts). A key's full windows begin with the step
   * that makes it matter in this process; the detector's watch list, shared by all workers,
   * promotes a key that several workers see a little of.
   */
  private matters(step: ReadonlyMap<string, StepKey>, hot: ReadonlySet<string>): Map<string, KeyUse> {
    const m = this.o.keyWindows.promoteMinPosts;
    const min = m * this.o.keyWindows.sampleUnflagged;
    const out = new Map<string, KeyUse>();
    for (const [id, k] of step) {
      const watched = hot.has(id);
      const flagged = k.flagged + this.sketch(this.seenFlagged, k.kind).estimate(k.value);
      const posts = k.posts + this.sketch(this.seen, k.kind).estimate(k.value);
      const full = watched || (k.flagged > 0 && flagged >= m) || (!LONG_TAIL.has(k.kind) && posts >= min);
      out.set(id, { full, watched, flagged, candidate: full || flagged > 0 || posts >= min });
    }
    return out;
  }

  /** True when a flagged post with this score is sampled as evidence under a key (see `evidenceMinFlagged`). */
  private keepsEvidence(u: KeyUse | undefined, score: Score): boolean {
    if (!u?.full) return false;
    if (u.watched) return true;
    const min = this.o.keyWindows.evidenceMinFlagged;
    return CATEGORIES.some((c) => score[c].flagged && u.flagged >= min[c]);
  }

  /** Once a step is durable: what it held goes into the sketches (a retried step decides as before). */
  private remember(step: ReadonlyMap<string, StepKey>, counted: readonly PostFacts[]): void {
    let latest = -Infinity;
    for (const f of counted) latest = Math.max(latest, Math.floor(f.t / (this.o.bucketSeconds * 1000)));
    // Old weight fades: halved for every bucket of event time the stream moves on.
    if (Number.isFinite(this.decayedAt))
      for (let i = 0; i < Math.min(latest - this.decayedAt, 8); i++)
        for (const s of [...this.seen.values(), ...this.seenFlagged.values()]) s.decay();
    if (latest > this.decayedAt) this.decayedAt = latest;
    for (const k of step.values()) {
      this.sketch(this.seen, k.kind).offer(k.value, k.posts);
      if (k.flagged > 0) this.sketch(this.seenFlagged, k.kind).offer(k.value, k.flagged);
    }
  }

  /** Stream totals for every post; per key, full windows for the keys that matter (`matters`). */
  private countPost(agg: BatchAggregate, use: ReadonlyMap<string, KeyUse>, f: PostFacts): void {
    agg.add(this.streamTag, f.t, f.offset, f.counts, f.author);
    for (let i = 0; i < f.keys.length; i++) {
      const k = f.keys[i] as KeyRef;
      if (use.get(f.ids[i] as string)?.full)
        agg.add(this.o.keys.tag(k.kind, k.value), f.t, f.offset, f.keyCounts, f.author);
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

/** The id of a key in the step's maps. */
const idOf = (k: KeyRef): string => `${k.kind}|${k.value}`;

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
