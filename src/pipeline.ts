// handleStep: decode → dead-letter → normalise → score → windows, top to bottom, for one
// partition's slice of a Kafka batch. Returns when every effect is durable.
import type { KafkaMessage } from "kafkajs";
import type { Post, Report, Score, ScoredPost } from "./domain";
import type { Events } from "./events";
import { decodePost, decodeReport, type DecodeLimits } from "./source/decode";
import type { DeadLetter, Rejected } from "./source/deadletter";
import type { Step } from "./source/consumer";
import { CATEGORIES, type Category } from "./domain";
import { BatchAggregate, type BucketUpdate } from "./windows/aggregate";
import { CandidateAggregate } from "./windows/candidates";
import { keysOf } from "./windows/keyset";
import type { Keys } from "./windows/keys";
import type { RedisWindowStore } from "./windows/store";

export interface Scorer {
  scoreBatch(posts: Post[], normalised: string[]): Score[];
}

export interface PipelineOptions {
  topics: { posts: string; reports: string };
  limits: DecodeLimits;
  bucketSeconds: number;
  /** Per-key windows and candidates; off leaves only the stream totals (ingest benchmarks). */
  keyWindows: { enabled: boolean; promoteMinPosts: number; hotRefreshMs: number; newAccountDays: number };
  deadLetter: DeadLetter;
  windows: RedisWindowStore;
  keys: Keys;
  normalise: (text: string) => string;
  /** Absent when scoring is switched off (ingest benchmarks). */
  scorer?: Scorer;
  events: Events;
}

interface Decoded<T> {
  value: T;
  offset: number;
}

const STREAM = "all";

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
      if (d.ok) (isReports ? reports : posts).push({ value: d.value as Post & Report, offset: Number(m.offset) });
      else rejected.push(reject(topic, partition, m, d.reason, d.detail));
    }
    await this.o.deadLetter.send(rejected);

    const scored = this.score(posts, topic, partition);
    const build = (guards?: ReadonlyMap<string, number>, candidateGuards?: ReadonlyMap<string, number>) => {
      const agg = new BatchAggregate(this.o.bucketSeconds * 1000, guards);
      const cand = new CandidateAggregate(candidateGuards);
      for (const s of scored) this.countPost(agg, cand, s);
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
    const hot = await this.hotKeys();

    await this.o.windows.beginBatch(topic, partition, last);
    await Promise.all([
      this.o.windows.applyBuckets(topic, partition, last, this.promoted(agg.updates(), hot)),
      this.o.windows.applyCandidates(topic, partition, last, cand.updates()),
    ]);
    await this.o.windows.endBatch(topic, partition, last);
    this.o.events.emit("batch", {
      topic,
      partition,
      messages: fresh.length,
      valid: posts.length + reports.length,
      deadLettered: rejected.length,
      ms: performance.now() - t0,
    });
  };

  private score(posts: Decoded<Post>[], topic: string, partition: number): ScoredPost[] {
    const normalised = posts.map((p) => this.o.normalise(p.value.text));
    const scores = this.o.scorer?.scoreBatch(
      posts.map((p) => p.value),
      normalised,
    );
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
   * Full per-key windows (counters and distinct authors) are kept for the keys that can matter:
   * the stream itself, keys with a flagged post, keys seen more than once in this step, and keys
   * the detector is watching. The long tail of one-off keys lives only in the candidate sets.
   */
  private promoted(updates: BucketUpdate[], hot: Set<string>): BucketUpdate[] {
    const min = this.o.keyWindows.promoteMinPosts;
    return updates.filter(
      (u) =>
        u.tag === this.streamTag ||
        (u.counts.get("posts") ?? 0) >= min ||
        (u.counts.get("reports") ?? 0) > 0 ||
        hot.has(u.tag) ||
        CATEGORIES.some((c) => u.counts.has(`flagged:${c}`)),
    );
  }

  private countPost(agg: BatchAggregate, cand: CandidateAggregate, s: ScoredPost): void {
    const { post } = s;
    const t = Date.parse(post.createdAt);
    const offset = Number(s.offset);
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
    agg.add(this.streamTag, t, offset, counts, post.author.id);
    if (!this.o.keyWindows.enabled) return;
    const bucket = agg.bucketStart(t);
    for (const k of keysOf(post, s.normalised)) {
      agg.add(this.o.keys.tag(k.kind, k.value), t, offset, counts, post.author.id);
      cand.add(k.kind, k.value, bucket, offset, flagged);
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

function reject(topic: string, partition: number, m: KafkaMessage, reason: string, detail: string): Rejected {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, reason, detail };
}
