// handleStep: decode → dead-letter → normalise → score → windows, top to bottom, for one
// partition's slice of a Kafka batch. Returns when every effect is durable.
import type { KafkaMessage } from "kafkajs";
import type { Post, Report, Score, ScoredPost } from "./domain";
import type { Events } from "./events";
import { decodePost, decodeReport, type DecodeLimits } from "./source/decode";
import type { DeadLetter, Rejected } from "./source/deadletter";
import type { Step } from "./source/consumer";
import { BatchAggregate } from "./windows/aggregate";
import type { Keys } from "./windows/keys";
import type { RedisWindowStore } from "./windows/store";

export interface Scorer {
  scoreBatch(posts: Post[], normalised: string[]): Score[];
}

export interface PipelineOptions {
  topics: { posts: string; reports: string };
  limits: DecodeLimits;
  bucketSeconds: number;
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

  constructor(private readonly o: PipelineOptions) {
    this.streamTag = o.keys.tag("stream", STREAM);
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
    const build = (guards?: ReadonlyMap<string, number>) => {
      const agg = new BatchAggregate(this.o.bucketSeconds * 1000, guards);
      for (const s of scored) this.countPost(agg, s);
      for (const r of reports)
        agg.add(this.streamTag, Date.parse(r.value.createdAt), r.offset, { reports: 1 }, r.value.reporterId);
      return agg;
    };
    let agg = build();
    const recovering = Number(fresh[0]?.offset) <= mark.inflight;
    if (recovering) agg = build(await this.o.windows.loadGuards(topic, partition, agg.updates()));

    await this.o.windows.beginBatch(topic, partition, last);
    await this.o.windows.applyBuckets(topic, partition, last, agg.updates());
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

  private countPost(agg: BatchAggregate, s: ScoredPost): void {
    const counts: Record<string, number> = { posts: 1, reach: s.post.author.followers };
    if (s.score)
      for (const [cat, c] of Object.entries(s.score)) {
        if (c.flagged) counts[`flagged:${cat}`] = 1;
        counts[`mass:${cat}`] = Math.round(c.score * 1000);
      }
    agg.add(this.streamTag, Date.parse(s.post.createdAt), Number(s.offset), counts, s.post.author.id);
  }
}

function reject(topic: string, partition: number, m: KafkaMessage, reason: string, detail: string): Rejected {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, reason, detail };
}
