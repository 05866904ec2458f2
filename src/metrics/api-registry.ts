// The review API server's registry (src/http): requests, review events, and the queues' figures
// and activity, read from Redis by every API server alike, so queries take the max across servers.
import { Counter, Gauge, Histogram } from "prom-client";
import { GRADE_NUMERALS, REVIEW_QUEUES } from "../domain";
import { LATENCY_BUCKETS, known, newRegistry, shared } from "./base";
import {
  QUEUE_STATES,
  REVIEW_WAIT_BUCKETS,
  reviewEventMetrics,
  type ReviewActivityReading,
  type ReviewFiguresReading,
} from "./review-metrics";

export interface ApiMetricsSources {
  /** Read on scrape. */
  reviewFigures: () => Promise<ReviewFiguresReading>;
  /** What happened since the last call; read on scrape. */
  reviewActivity: () => Promise<readonly ReviewActivityReading[]>;
  /** A read failed; the figures keep their last values until one succeeds. */
  onError: (err: unknown) => void;
}

/** The API server's registry: requests, review events, and the queues' figures and activity. */
export function createApiMetrics(sources: ApiMetricsSources) {
  const registry = newRegistry();
  const registers = [registry];
  const figures = shared(async () => {
    const f = await sources.reviewFigures();
    const now = Date.now();
    for (const q of f.queues) {
      const queue = known(REVIEW_QUEUES, q.queue);
      m.queueItems.set({ queue, state: "waiting" }, q.waiting);
      m.queueItems.set({ queue, state: "escalated" }, q.escalated);
      m.queueItems.set({ queue, state: "claimed" }, q.claimed);
      const oldest = q.oldestEnqueuedAt === undefined ? 0 : Math.max(0, now - q.oldestEnqueuedAt) / 1000;
      m.oldestItemAge.set({ queue }, oldest);
      GRADE_NUMERALS.forEach((grade, i) => m.slaBreached.set({ queue, grade }, q.overdue[(i + 1) as 1 | 2 | 3 | 4]));
    }
    m.activeModerators.set(f.moderators);
  }, sources.onError);
  const activity = shared(async () => {
    for (const a of await sources.reviewActivity()) {
      const queue = known(REVIEW_QUEUES, a.queue);
      const seconds = a.sinceEnqueuedMs / 1000;
      if (a.kind === "claim") m.timeToClaim.labels(queue).observe(seconds);
      else if (a.kind === "decide") m.timeToDecide.labels(queue).observe(seconds);
      else m.leasesExpired.labels(queue).inc();
    }
  }, sources.onError);

  const m = {
    registry,
    ...reviewEventMetrics(registers),
    queueItems: new Gauge({
      name: "modstream_review_queue_items",
      help: "Undecided review items by queue and state (waiting, escalated to a lead, claimed); read from Redis on scrape.",
      labelNames: ["queue", "state"] as const,
      registers,
      collect: figures,
    }),
    oldestItemAge: new Gauge({
      name: "modstream_review_oldest_item_age_seconds",
      help: "Age of the oldest waiting or escalated item of each queue (0 when none waits).",
      labelNames: ["queue"] as const,
      registers,
      collect: figures,
    }),
    slaBreached: new Gauge({
      name: "modstream_review_sla_breached_items",
      help: "Undecided items (waiting, escalated or claimed) past their SLA deadline, by queue and grade.",
      labelNames: ["queue", "grade"] as const,
      registers,
      collect: figures,
    }),
    activeModerators: new Gauge({
      name: "modstream_review_active_moderators",
      help: "Moderators holding at least one claim.",
      registers,
      collect: figures,
    }),
    timeToClaim: new Histogram({
      name: "modstream_review_time_to_claim_seconds",
      help: "Item enqueued to claimed, per claim, by queue (read from the audit log on scrape).",
      labelNames: ["queue"] as const,
      buckets: REVIEW_WAIT_BUCKETS,
      registers,
      collect: activity,
    }),
    timeToDecide: new Histogram({
      name: "modstream_review_time_to_decide_seconds",
      help: "Item enqueued to its final decision (escalations are not final), by queue (read from the audit log on scrape).",
      labelNames: ["queue"] as const,
      buckets: REVIEW_WAIT_BUCKETS,
      registers,
      collect: activity,
    }),
    leasesExpired: new Counter({
      name: "modstream_review_leases_expired_total",
      help: "Claims whose lease ran out and whose item went back to its queue, by queue (read from the audit log on scrape).",
      labelNames: ["queue"] as const,
      registers,
      collect: activity,
    }),
    httpRequestDuration: new Histogram({
      name: "modstream_http_request_duration_seconds",
      help: "API requests, arrival to response sent, by method, route pattern and status class.",
      labelNames: ["method", "route", "status_class"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  };

  for (const queue of REVIEW_QUEUES) {
    for (const state of QUEUE_STATES) m.queueItems.set({ queue, state }, 0);
    m.oldestItemAge.set({ queue }, 0);
    for (const grade of GRADE_NUMERALS) m.slaBreached.set({ queue, grade }, 0);
    m.timeToClaim.zero({ queue });
    m.timeToDecide.zero({ queue });
    m.leasesExpired.labels(queue).inc(0);
  }
  m.activeModerators.set(0);
  return m;
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
