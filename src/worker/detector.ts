// The detection loop: every tick, the worker holding the lease reads the keys that are moving
// (top of the candidate sets), runs the pure detector on each, records spikes, and asks all
// workers to count the candidates in full.
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../redis/client";
import type { Pipeline as PipelineConfig } from "../config";
import { type KeyKind, type Spike } from "../domain";
import { detect } from "../detect/spike";
import type { Events } from "../events";
import type { Logger } from "../log";
import type { Keys } from "../keys";
import type { WindowReader } from "../windows/reader";
import { ClusterIdentity } from "./clusters";
import { StreamClock } from "./stream-clock";

const KINDS: KeyKind[] = ["cluster", "hashtag", "url", "domain", "mention", "author"];
/**
 * When one key spikes for several types in a tick, the most specific wins: exposed personal data
 * is a leak whatever else it looks like, a flood of one text by new accounts an attack.
 */
const PRECEDENCE: Spike["type"][] = ["data_leak", "attack", "abuse", "rumour"];
/** Late windows examined per tick, besides the stream's now. */
const LATE_WINDOWS = 2;

export interface DetectorOptions {
  reader: WindowReader;
  keys: Keys;
  config: PipelineConfig;
  events: Events;
  log: Logger;
  /** Enables stream time and one cluster identity across bands (without it: wall clock, bands apart). */
  redis?: RedisClient;
  now?: () => number;
}

export class Detector {
  private readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  /** The tick in progress, if any. */
  private running: Promise<void> | undefined;

  private readonly clock: StreamClock | undefined;
  private readonly clusters: ClusterIdentity | undefined;
  private readonly onBatch = (b: { eventTimesMs?: ArrayLike<number> }) => {
    if (b.eventTimesMs) this.clock?.observe(b.eventTimesMs);
  };

  constructor(private readonly o: DetectorOptions) {
    const { detect: d, windows: w } = o.config;
    if (o.redis) {
      this.clock = new StreamClock({
        redis: o.redis,
        keys: o.keys,
        worker: this.id,
        bucketSeconds: w.bucketSeconds,
        lateMs: d.shortBuckets * w.bucketSeconds * 1000,
        idleMs: Math.max(d.tickMs * 5, d.shortBuckets * w.bucketSeconds * 1000),
        wall: o.now,
      });
      this.clusters = new ClusterIdentity(o.redis, o.keys);
    }
  }

  start(): void {
    const { tickMs } = this.o.config.detect;
    this.o.events.on("batch", this.onBatch);
    // One tick at a time: an interval that fires while a tick is still running is skipped rather
    // than queued (a queue of slow ticks grows without bound, and close() would wait for all of it).
    this.timer = setInterval(() => {
      this.running ??= this.tickIfLeader()
        .catch((err: unknown) => {
          this.o.events.emit("stepError", { stage: "detect", error: err as Error });
          this.o.log.warn({ err }, "detector tick failed");
        })
        .finally(() => (this.running = undefined));
    }, tickMs);
  }

  async close(): Promise<void> {
    this.o.events.off("batch", this.onBatch);
    clearInterval(this.timer);
    await this.running;
  }

  private async tickIfLeader(): Promise<void> {
    await this.clock?.flush();
    if (await this.o.reader.holdLease(this.id, this.o.config.detect.tickMs * 3)) await this.tick();
  }

  /**
   * One pass over the candidates; returns the spikes found (recorded or already known). The now
   * window ends at the stream's time; windows that late posts landed in are examined too.
   */
  async tick(): Promise<Spike[]> {
    const t0 = performance.now();
    const d = this.o.config.detect;
    const wall = (this.o.now ?? Date.now)();
    const now = (await this.clock?.now()) ?? wall;
    const bs = this.o.config.windows.bucketSeconds;
    const windowStart = (Math.floor(now / 1000 / bs) - d.shortBuckets + 1) * bs;
    const late = ((await this.clock?.lateTimes(d.tickMs * 3)) ?? [])
      .filter((t) => t < windowStart * 1000)
      .slice(0, LATE_WINDOWS);
    if (late.length) this.o.log.debug({ late, now, wall }, "detector: late windows");
    const spikes: Spike[] = [];
    let examined = 0;
    for (const at of [now, ...late]) {
      const r = await this.pass(at, wall);
      spikes.push(...r.spikes);
      examined += r.examined;
    }
    this.o.events.emit("detectTick", { candidates: examined, spikes: spikes.length, ms: performance.now() - t0 });
    return spikes;
  }

  private async pass(now: number, wall: number): Promise<{ spikes: Spike[]; examined: number }> {
    const { detect: d, windows: w } = this.o.config;
    const bs = w.bucketSeconds;
    const current = Math.floor(now / 1000 / bs) * bs;
    const buckets = Array.from(
      { length: d.baselineBuckets + d.shortBuckets },
      (_, i) => current - (d.baselineBuckets + d.shortBuckets - 1 - i) * bs,
    );
    const recent = buckets.slice(-d.shortBuckets);
    const [candidates, share] = await Promise.all([
      this.o.reader.candidates(KINDS, recent, d.topK),
      this.o.reader.streamShare(buckets),
    ]);
    this.o.log.debug({ candidates, recent, share }, "detector tick");
    const examined = candidates.filter((c) => c.flagged >= Math.ceil(d.minFlagged[c.category] / 2));
    const found = new Map<string, Spike>();
    for (const c of examined) {
      const s = await this.o.reader.series(c, buckets, recent);
      const v = detect(
        {
          category: c.category,
          flagged: s.flagged,
          posts: s.posts,
          authors: s.authors,
          streamShare: share[c.category],
        },
        { ...d, minFlagged: d.minFlagged },
      );
      this.o.log.debug({ candidate: c, verdict: v, authors: s.authors }, "candidate examined");
      if (!v.spike || !v.type) continue;
      // The bands of one near-duplicate cluster are one cluster: one burst, one spike.
      const key = c.kind === "cluster" && this.clusters ? await this.clusters.resolve(c.value, wall) : c.value;
      const spike: Spike = {
        type: v.type,
        category: c.category,
        kind: c.kind,
        key,
        evidence: Math.round(v.evidence * 100) / 100,
        flagged: v.flagged,
        posts: v.posts,
        authors: s.authors,
        expected: Math.round(v.expected * 100) / 100,
        reason: v.reason,
        windowStart: (recent[0] ?? current) * 1000,
        detectedAt: now,
      };
      const id = `${c.kind}|${key}`;
      const prior = found.get(id);
      if (!prior || PRECEDENCE.indexOf(spike.type) < PRECEDENCE.indexOf(prior.type)) found.set(id, spike);
    }
    const spikes: Spike[] = [];
    for (const spike of found.values()) {
      if (await this.knownAsMoreSpecific(spike)) continue;
      spikes.push(spike);
      if (await this.o.reader.recordSpike(spike, d.watchSeconds)) {
        this.o.events.emit("spike", spike);
        this.o.log.info({ spike }, "spike detected");
      }
    }
    // The watch list follows the wall clock: the pipeline reads it against its own clock.
    await this.o.reader.watch(
      examined.map((c) => `${c.kind}|${c.value}`),
      wall,
      wall + d.watchSeconds * 1000,
    );
    return { spikes, examined: examined.length };
  }

  /** True when the key already spiked (within the watch) as a type that takes precedence. */
  private async knownAsMoreSpecific(s: Spike): Promise<boolean> {
    if (!this.o.redis) return false;
    const tag = this.o.keys.tag(s.kind, s.key);
    const before = PRECEDENCE.slice(0, PRECEDENCE.indexOf(s.type));
    if (before.length === 0) return false;
    // One EXISTS per key: the spike records live in different Cluster slots.
    const redis = this.o.redis;
    const n = await Promise.all(before.map((t) => redis.exists(this.o.keys.spike(t, tag))));
    return n.some((x) => x > 0);
  }
}
