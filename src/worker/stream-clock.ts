// Stream time for the detector: windows are read relative to the stream's own progress (the
// latest event times the workers have applied), not the wall clock, so a backlog replayed after
// an outage is judged as it happened. Every worker records its applied event times after each
// durable step; posts older than the now window are "late", and their buckets are recorded too,
// so the detector also looks at the windows a late burst landed in.
import type { RedisClient } from "../redis/client";
import type { Keys } from "../keys";
import { execChecked } from "../redis/client";

export interface StreamClockOptions {
  redis: RedisClient;
  keys: Keys;
  /** This worker's name in the clock. */
  worker: string;
  bucketSeconds: number;
  /** A post older than this (behind the wall clock) is late: its bucket is outside the now window. */
  lateMs: number;
  /** With no post applied for this long, the stream is idle and the wall clock is the stream's time. */
  idleMs: number;
  wall?: () => number;
}

export class StreamClock {
  private max = 0;
  /** Latest late event time seen per bucket. */
  private readonly late = new Map<number, number>();
  private readonly wall: () => number;

  constructor(private readonly o: StreamClockOptions) {
    this.wall = o.wall ?? Date.now;
  }

  /** Notes the event times of a durable step (called from the pipeline's batch event). */
  observe(eventTimesMs: ArrayLike<number>): void {
    const wall = this.wall();
    const bs = this.o.bucketSeconds;
    for (let i = 0; i < eventTimesMs.length; i++) {
      const t = eventTimesMs[i] ?? 0;
      if (t > this.max) this.max = Math.min(t, wall);
      if (wall - t > this.o.lateMs) {
        const b = Math.floor(t / 1000 / bs) * bs;
        if (t > (this.late.get(b) ?? 0)) this.late.set(b, t);
      }
    }
  }

  /** Writes what this worker observed since the last flush. */
  async flush(): Promise<void> {
    if (this.max === 0 && this.late.size === 0) return;
    const wall = this.wall();
    const pipe = this.o.redis.pipeline();
    if (this.max > 0) {
      pipe.zadd(this.o.keys.streamClock(), "GT", this.max, this.o.worker);
      pipe.set(`${this.o.keys.streamClock()}:at`, wall, "PX", this.o.idleMs * 10);
      pipe.pexpire(this.o.keys.streamClock(), this.o.idleMs * 10);
    }
    for (const t of this.late.values()) pipe.zadd(this.o.keys.lateBuckets(), wall, Math.floor(t));
    if (this.late.size) {
      pipe.zremrangebyscore(this.o.keys.lateBuckets(), "-inf", wall - this.o.idleMs);
      pipe.pexpire(this.o.keys.lateBuckets(), this.o.idleMs * 2);
    }
    this.max = 0;
    this.late.clear();
    await execChecked(pipe);
  }

  /**
   * The stream's "now": the latest event time applied by any worker, never ahead of the wall
   * clock; the wall clock when nothing was applied for idleMs (an idle stream still ages).
   */
  async now(): Promise<number> {
    const wall = this.wall();
    const [top, at] = await Promise.all([
      this.o.redis.zrevrange(this.o.keys.streamClock(), 0, 0, "WITHSCORES"),
      this.o.redis.get(`${this.o.keys.streamClock()}:at`),
    ]);
    const t = Number(top[1] ?? 0);
    if (!t || !at || wall - Number(at) > this.o.idleMs) return wall;
    return Math.min(wall, t);
  }

  /**
   * The latest late event time (ms) of each bucket that received late posts within the last
   * `withinMs`, newest first: the "now" of the windows a late burst landed in.
   */
  async lateTimes(withinMs: number): Promise<number[]> {
    const rows = await this.o.redis.zrangebyscore(this.o.keys.lateBuckets(), this.wall() - withinMs, "+inf");
    const bs = this.o.bucketSeconds * 1000;
    const perBucket = new Map<number, number>();
    for (const t of rows.map(Number)) {
      const b = Math.floor(t / bs);
      if (t > (perBucket.get(b) ?? 0)) perBucket.set(b, t);
    }
    return [...perBucket.values()].sort((a, b) => b - a);
  }
}
