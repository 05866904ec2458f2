// The pipeline watching itself: fault signals over a sliding window (pure), and the watcher that
// opens grade-IV technical incidents while a signal is bad and resolves them once it is healthy.
import type { IncidentsConfig } from "../config";
import type { Events } from "../events";

export type Signal = "redis" | "lag" | "dead_letter" | "errors";

export interface HealthWindow {
  /** Probe round trips in the window, ms (Infinity = no answer). */
  probes: number[];
  messages: number;
  deadLettered: number;
  errors: number;
  /** Latest consumer lag measured, messages (undefined = not measured). */
  lag?: number;
}

export type Thresholds = IncidentsConfig["technical"];

/** Bad signals and the figure behind each. Pure. */
export function assess(w: HealthWindow, t: Thresholds): Map<Signal, { value: number; text: string }> {
  const bad = new Map<Signal, { value: number; text: string }>();
  const slowest = Math.max(0, ...w.probes);
  if (slowest >= t.redisLatencyMs)
    bad.set("redis", {
      value: Number.isFinite(slowest) ? Math.round(slowest) : t.redisTimeoutMs,
      text: Number.isFinite(slowest)
        ? `Redis round trip ${Math.round(slowest)} ms (limit ${t.redisLatencyMs} ms)`
        : `Redis did not answer within ${t.redisTimeoutMs} ms`,
    });
  if (w.lag !== undefined && w.lag > t.maxLag)
    bad.set("lag", { value: w.lag, text: `consumer lag ${w.lag} messages (limit ${t.maxLag})` });
  if (w.messages >= t.minMessages && w.deadLettered / w.messages >= t.deadLetterRate)
    bad.set("dead_letter", {
      value: w.deadLettered,
      text: `${w.deadLettered} of ${w.messages} messages dead-lettered (limit ${t.deadLetterRate * 100}%)`,
    });
  if (w.errors >= t.maxErrors)
    bad.set("errors", {
      value: w.errors,
      text: `${w.errors} processing errors in ${t.windowSeconds}s (limit ${t.maxErrors})`,
    });
  return bad;
}

export interface WatcherOptions {
  events: Events;
  thresholds: Thresholds;
  /** One Redis round trip; resolves with its duration, rejects or hangs when Redis is unwell. */
  probe: () => Promise<unknown>;
  /** Consumer lag in messages, or undefined when unknown. */
  lag?: () => Promise<number | undefined>;
  /** Called while a signal is bad (each tick) and once it has been healthy long enough. */
  onBad: (signal: Signal, value: number, text: string, since: number) => Promise<void>;
  onHealthy: (signal: Signal, text: string) => Promise<void>;
  now?: () => number;
}

type Sample = { at: number; kind: "probe" | "messages" | "dead" | "error"; value: number };

export class HealthWatcher {
  private samples: Sample[] = [];
  private lag: number | undefined;
  private lagAt = 0;
  /** Signals currently bad (since when) or recovering (healthy since when). */
  private readonly badSince = new Map<Signal, number>();
  private readonly healthySince = new Map<Signal, number>();
  private readonly off: (() => void)[] = [];

  constructor(private readonly o: WatcherOptions) {
    const add = (kind: Sample["kind"], value: number) => this.samples.push({ at: this.now(), kind, value });
    const onBatch = (b: { messages: number }) => add("messages", b.messages);
    const onDead = () => add("dead", 1);
    // The incidents stage's own failures are not the pipeline's: counting them would feed back.
    const onError = (e: { stage: string }) => e.stage !== "incidents" && add("error", 1);
    o.events.on("batch", onBatch);
    o.events.on("deadLetter", onDead);
    o.events.on("stepError", onError);
    this.off.push(
      () => o.events.off("batch", onBatch),
      () => o.events.off("deadLetter", onDead),
      () => o.events.off("stepError", onError),
    );
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  close(): void {
    for (const f of this.off) f();
  }

  /** Signals this watcher currently holds bad. */
  get bad(): Signal[] {
    return [...this.badSince.keys()];
  }

  async tick(): Promise<void> {
    const t = this.o.thresholds;
    const now = this.now();
    const t0 = performance.now();
    let ms = Infinity;
    await Promise.race([
      this.o.probe().then(() => (ms = performance.now() - t0)),
      new Promise((r) => setTimeout(r, t.redisTimeoutMs).unref()),
    ]).catch(() => undefined);
    this.samples.push({ at: now, kind: "probe", value: ms });
    if (this.o.lag && now - this.lagAt >= t.lagCheckMs) {
      this.lagAt = now;
      this.lag = await this.o.lag().catch(() => this.lag);
    }
    this.samples = this.samples.filter((s) => s.at > now - t.windowSeconds * 1000);
    const w: HealthWindow = { probes: [], messages: 0, deadLettered: 0, errors: 0, lag: this.lag };
    for (const s of this.samples)
      if (s.kind === "probe") w.probes.push(s.value);
      else if (s.kind === "messages") w.messages += s.value;
      else if (s.kind === "dead") w.deadLettered += s.value;
      else w.errors += s.value;
    const bad = assess(w, t);
    for (const [signal, b] of bad) {
      this.healthySince.delete(signal);
      if (!this.badSince.has(signal)) this.badSince.set(signal, now);
      // Keeps trying while Redis is unreachable: the incident is written as soon as it answers.
      await this.o.onBad(signal, b.value, b.text, this.badSince.get(signal) ?? now);
    }
    for (const [signal] of this.badSince) {
      if (bad.has(signal)) continue;
      const since = this.healthySince.get(signal) ?? now;
      this.healthySince.set(signal, since);
      if (now - since >= t.healthySeconds * 1000) {
        await this.o.onHealthy(signal, `healthy for ${Math.round((now - since) / 1000)}s`);
        this.badSince.delete(signal);
        this.healthySince.delete(signal);
      }
    }
  }
}
