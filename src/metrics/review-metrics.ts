// Review events (src/review), counted by the process that emits them (workers enqueue, API
// servers claim and decide), so queries sum them; both registries carry them.
import { Counter, type Registry } from "prom-client";
import { DECISION_KINDS, REVIEW_QUEUES } from "../domain";

/** Review events counted by modstream_review_events_total (decisions and lease expiries have their own). */
export const REVIEW_EVENTS = ["enqueue", "shed", "claim", "release", "reassign"] as const;
export const QUEUE_STATES = ["waiting", "escalated", "claimed"] as const;
/** Enqueue to claim or decision; 900, 3600, 14400 and 86400 s are the default SLAs of grades I-IV. */
export const REVIEW_WAIT_BUCKETS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800];

export function reviewEventMetrics(registers: Registry[]) {
  const m = {
    reviewEvents: new Counter({
      name: "modstream_review_events_total",
      help: "Review queue events of this process (enqueue, shed: a post not queued because its queue was full, claim, release, reassign), by queue.",
      labelNames: ["event", "queue"] as const,
      registers,
    }),
    reviewDecisions: new Counter({
      name: "modstream_review_decisions_total",
      help: "Decisions taken through this process, by queue and decision kind (escalate included).",
      labelNames: ["queue", "decision"] as const,
      registers,
    }),
  };
  for (const q of REVIEW_QUEUES) {
    for (const e of REVIEW_EVENTS) m.reviewEvents.labels(e, q).inc(0);
    for (const d of DECISION_KINDS) m.reviewDecisions.labels(q, d).inc(0);
  }
  return m;
}

export type ReviewEventMetrics = ReturnType<typeof reviewEventMetrics>;

/** The review queues' state (src/review/stats.ts `ReviewFigures`). */
export interface ReviewFiguresReading {
  queues: readonly {
    queue: string;
    waiting: number;
    escalated: number;
    claimed: number;
    oldestEnqueuedAt?: number;
    overdue: Record<1 | 2 | 3 | 4, number>;
  }[];
  moderators: number;
}

/** One claim, final decision or lease expiry from the audit log (src/review/stats.ts `ReviewActivity`). */
export interface ReviewActivityReading {
  kind: "claim" | "decide" | "expire";
  queue: string;
  sinceEnqueuedMs: number;
}
