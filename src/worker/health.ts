// The worker's own health, for orchestrators and on-call: whether Redis and the Kafka broker answer,
// whether the Kafka consumer is running and whether pipeline steps succeed, each with since when.
// Served as JSON on GET /healthz by a tiny node:http server of its own (200 up, 503 degraded).
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel } from "kafkajs";
import type { RedisClient } from "../redis/client";
import { serveEndpoint, type Endpoint } from "../http/endpoint";
import type { Events } from "../events";
import type { Logger } from "../log";

export const CHECKS = ["redis", "kafka", "consumer", "steps"] as const;
export type Check = (typeof CHECKS)[number];

interface CheckState {
  ok: boolean;
  /** When the check last changed between ok and failing, ms since epoch. */
  since: number;
  /** Latest error while failing. */
  error?: string;
  /** Failures observed since the check last became ok. */
  failures: number;
}

export interface HealthReport {
  status: "up" | "degraded";
  /** Failing checks, with the dependency's error and since when. */
  failing: Check[];
  checks: Record<Check, { ok: boolean; since: string; error?: string; failures: number }>;
}

export interface HealthOptions {
  events: Events;
  /** One Redis round trip; rejects (or hangs) when Redis is unwell. */
  redis: () => Promise<unknown>;
  /** One request answered by the Kafka broker; rejects (or hangs) when it is down. */
  kafka: () => Promise<unknown>;
  /** How often the probes run. */
  intervalMs?: number;
  /** A probe not answered within this long fails. */
  timeoutMs?: number;
  log?: Logger;
  now?: () => number;
}

/** Timed out probes fail with this. */
const timeout = (ms: number) =>
  sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`no answer within ${ms} ms`)));

export class WorkerHealth {
  private readonly state = new Map<Check, CheckState>();
  private readonly off: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Probe rounds asked for and not finished yet. */
  private pending = 0;
  private readonly now: () => number;

  constructor(private readonly o: HealthOptions) {
    this.now = o.now ?? Date.now;
    for (const c of CHECKS) this.state.set(c, { ok: true, since: this.now(), failures: 0 });
    // A step that fails is retried with back-off (src/source/consumer.ts); the next step to finish clears it.
    const onError = (e: { stage: string; error: Error }) => {
      if (e.stage === "step") this.set("steps", false, e.error.message);
    };
    const onBatch = () => this.set("steps", true);
    o.events.on("stepError", onError);
    o.events.on("batch", onBatch);
    this.off.push(
      () => o.events.off("stepError", onError),
      () => o.events.off("batch", onBatch),
    );
  }

  /** Records a check's outcome; logs each change between ok and failing. */
  set(check: Check, ok: boolean, error?: string): void {
    const s = this.state.get(check);
    if (!s) return;
    if (ok) {
      if (!s.ok) this.o.log?.info({ check, downMs: this.now() - s.since }, "health: check ok again");
      if (!s.ok) this.state.set(check, { ok: true, since: this.now(), failures: 0 });
      return;
    }
    if (s.ok) {
      this.o.log?.warn({ check, error }, "health: check failing");
      this.state.set(check, { ok: false, since: this.now(), error, failures: 1 });
    } else this.state.set(check, { ...s, error: error ?? s.error, failures: s.failures + 1 });
  }

  /** Runs both probes once (at most one round at a time). */
  probe(): Promise<void> {
    const ms = this.o.timeoutMs ?? 2000;
    const one = async (check: Check, run: () => Promise<unknown>) => {
      try {
        await Promise.race([run(), timeout(ms)]);
        this.set(check, true);
      } catch (err) {
        this.set(check, false, (err as Error).message);
      }
    };
    this.pending++;
    this.running = this.running
      .then(() => Promise.all([one("redis", this.o.redis), one("kafka", this.o.kafka)]))
      .then(() => undefined)
      .finally(() => this.pending--);
    return this.running;
  }

  /**
   * Probes every interval; the first one interval after start, once the clients have had time to
   * connect. A round still running (probes time out after timeoutMs, longer than the interval
   * while a dependency is down) skips the tick instead of queueing another round behind it.
   */
  start(): void {
    this.timer = setInterval(() => {
      if (this.pending === 0) void this.probe();
    }, this.o.intervalMs ?? 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const f of this.off) f();
    await this.running;
  }

  /** Failing checks and since when (ms since epoch). */
  failing(): { check: Check; since: number; error?: string }[] {
    return CHECKS.flatMap((check) => {
      const s = this.state.get(check);
      return s && !s.ok ? [{ check, since: s.since, error: s.error }] : [];
    });
  }

  report(): HealthReport {
    const checks = Object.fromEntries(
      CHECKS.map((c) => {
        const s = this.state.get(c) ?? { ok: true, since: 0, failures: 0 };
        return [c, { ok: s.ok, since: new Date(s.since).toISOString(), error: s.error, failures: s.failures }];
      }),
    ) as HealthReport["checks"];
    const failing = CHECKS.filter((c) => !checks[c].ok);
    return { status: failing.length ? "degraded" : "up", failing, checks };
  }
}

/** Redis answers PING on the worker's own connection (not a queued command waiting for a reconnect). */
export function redisProbe(redis: RedisClient): () => Promise<unknown> {
  return async () => {
    if (redis.status !== "ready") throw new Error(`Redis connection ${redis.status}`);
    return redis.ping();
  };
}

/**
 * A metadata request to the broker from a client of its own, without retries, so that the probe
 * says how the broker is now rather than waiting out the worker's own retry budget.
 */
export function kafkaProbe(brokers: readonly string[], clientId: string) {
  const admin = new Kafka({
    clientId: `${clientId}-health`,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  let connected = false;
  return {
    async probe(): Promise<unknown> {
      try {
        if (!connected) {
          await admin.connect();
          connected = true;
        }
        return await admin.describeCluster();
      } catch (err) {
        connected = false;
        await admin.disconnect().catch(() => undefined);
        throw err;
      }
    },
    close: () => admin.disconnect(),
  };
}

export type HealthServer = Endpoint;

/** GET /healthz: the report as JSON, 200 when up and 503 when degraded. Port 0 picks a free port. */
export function serveHealth(health: WorkerHealth, host: string, port: number, log: Logger): Promise<HealthServer> {
  return serveEndpoint({
    path: "/healthz",
    host,
    port,
    log,
    handle: (_req, res) => {
      const r = health.report();
      res.writeHead(r.status === "up" ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(r));
    },
  });
}

export interface FaultReporterOptions {
  health: WorkerHealth;
  /** Checks this reporter turns into technical incidents (Redis has its own watcher in src/incidents). */
  checks: readonly Check[];
  /** A check failing at least this long is a fault. */
  afterMs: number;
  /** A reported fault is cleared once its check has been ok this long. */
  healthyMs: number;
  /** Opens or keeps alive the check's technical incident; called every tick while it fails. */
  report: (check: Check, downSeconds: number, text: string, since: number) => Promise<unknown>;
  /** Resolves the check's technical incident. */
  clear: (check: Check, text: string) => Promise<unknown>;
  log: Logger;
  intervalMs?: number;
  now?: () => number;
}

/**
 * Turns a dependency outage seen by the health checks into a grade-IV technical incident (kept
 * alive while it lasts, written as soon as Redis takes it) and resolves it once the dependency
 * has been healthy for a while.
 */
export function reportFaults(o: FaultReporterOptions): { close(): Promise<void>; readonly ticks: number } {
  const now = o.now ?? Date.now;
  const reported = new Set<Check>();
  const tick = async () => {
    const failing = new Map(o.health.failing().map((f) => [f.check, f]));
    for (const check of o.checks) {
      const f = failing.get(check);
      try {
        if (f && now() - f.since >= o.afterMs) {
          const down = Math.round((now() - f.since) / 1000);
          await o.report(check, down, `${check} failing for ${down}s: ${f.error ?? "unknown error"}`, f.since);
          reported.add(check);
        } else if (!f && reported.has(check)) {
          const since = Date.parse(o.health.report().checks[check].since);
          if (now() - since < o.healthyMs) continue;
          await o.clear(check, `${check} healthy for ${Math.round((now() - since) / 1000)}s`);
          reported.delete(check);
        }
      } catch (err) {
        o.log.warn({ err, check }, "reporting a technical fault failed; retrying next tick");
      }
    }
  };
  // One tick at a time: while Redis is down a report takes longer than the interval, and ticks
  // queued behind it would pile up (and all be waited for by close()).
  let running: Promise<void> | undefined;
  let ticks = 0;
  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = undefined;
      ticks++;
    });
  }, o.intervalMs ?? 1000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
    /** Ticks completed so far: a test waits for one to pass instead of for a time. */
    get ticks() {
      return ticks;
    },
  };
}
