// The detection loop: every tick, the worker holding the lease reads the keys that are moving
// (top of the candidate sets), runs the pure detector on each, records spikes, and asks all
// workers to count the candidates in full.
import { randomUUID } from "node:crypto";
import type { Pipeline as PipelineConfig } from "../config";
import { type KeyKind, type Spike } from "../domain";
import { detect } from "../detect/spike";
import type { Events } from "../events";
import type { Logger } from "../log";
import type { Keys } from "../keys";
import type { WindowReader } from "../windows/reader";

const KINDS: KeyKind[] = ["cluster", "hashtag", "url", "domain", "mention", "author"];

export interface DetectorOptions {
  reader: WindowReader;
  keys: Keys;
  config: PipelineConfig;
  events: Events;
  log: Logger;
  now?: () => number;
}

export class Detector {
  private readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  /** The tick in progress, if any. */
  private running: Promise<void> | undefined;

  constructor(private readonly o: DetectorOptions) {}

  start(): void {
    const { tickMs } = this.o.config.detect;
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
    clearInterval(this.timer);
    await this.running;
  }

  private async tickIfLeader(): Promise<void> {
    if (await this.o.reader.holdLease(this.id, this.o.config.detect.tickMs * 3)) await this.tick();
  }

  /** One pass over the candidates; returns the spikes found (recorded or already known). */
  async tick(): Promise<Spike[]> {
    const t0 = performance.now();
    const { detect: d, windows: w } = this.o.config;
    const now = (this.o.now ?? Date.now)();
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
    const spikes: Spike[] = [];
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
        {
          ...d,
          minFlagged: d.minFlagged,
        },
      );
      this.o.log.debug({ candidate: c, verdict: v, authors: s.authors }, "candidate examined");
      if (!v.spike || !v.type) continue;
      const spike: Spike = {
        type: v.type,
        category: c.category,
        kind: c.kind,
        key: c.value,
        evidence: Math.round(v.evidence * 100) / 100,
        flagged: v.flagged,
        posts: v.posts,
        authors: s.authors,
        expected: Math.round(v.expected * 100) / 100,
        reason: v.reason,
        windowStart: (recent[0] ?? current) * 1000,
        detectedAt: now,
      };
      spikes.push(spike);
      if (await this.o.reader.recordSpike(spike, d.watchSeconds)) {
        this.o.events.emit("spike", spike);
        this.o.log.info({ spike }, "spike detected");
      }
    }
    await this.o.reader.watch(
      examined.map((c) => `${c.kind}|${c.value}`),
      now,
      now + d.watchSeconds * 1000,
    );
    this.o.events.emit("detectTick", {
      candidates: examined.length,
      spikes: spikes.length,
      ms: performance.now() - t0,
    });
    return spikes;
  }
}
