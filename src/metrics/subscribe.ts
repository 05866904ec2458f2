// Events → metrics: the only place pipeline events become Prometheus figures. Stages never see
// prom-client; they emit, and this module listens (and stops listening on close).
import { CATEGORIES, DECISION_KINDS, INCIDENT_TYPES, REVIEW_QUEUES, ROMAN } from "../domain";
import type { Events, PipelineEvents } from "../events";
import { known } from "./base";
import {
  DEAD_LETTER_LABELS,
  INCIDENT_EVENTS,
  KNOWN_STAGES,
  SUPPRESSED_REASONS,
  type Input,
  type Metrics,
} from "./registry";
import { REVIEW_EVENTS, type ReviewEventMetrics } from "./review-metrics";

export interface InputTopics {
  posts: string;
  reports: string;
}

/** A label value the code chose (a stage or Redis op name), bounded whatever a caller passes. */
function boundedName(s: string): string {
  return /^[a-z][a-z0-9_]{0,39}$/.test(s) ? s : "other";
}

const REASONS = new Set<string>(DEAD_LETTER_LABELS);
const STAGES = new Set<string>(KNOWN_STAGES);

/** Listens to one event; returns how to stop. */
function listen<K extends keyof PipelineEvents>(
  events: Events,
  name: K,
  fn: (...args: PipelineEvents[K]) => void,
): () => void {
  const untyped = events as unknown as NodeJS.EventEmitter;
  untyped.on(name, fn as (...args: unknown[]) => void);
  return () => untyped.off(name, fn as (...args: unknown[]) => void);
}

/**
 * Review queue events → counters, in whichever process emits them (workers enqueue, API servers
 * claim and decide). Expiries are counted from the audit log instead (createApiMetrics): a sweep
 * emits one event however many leases it ends, and a claim ends its queue's leases silently.
 */
export function subscribeReview(events: Events, m: ReviewEventMetrics): () => void {
  return listen(events, "review", (e) => {
    const queue = known(REVIEW_QUEUES, e.queue);
    if (e.kind === "decide") m.reviewDecisions.labels(queue, known(DECISION_KINDS, e.decision)).inc();
    else if (e.kind !== "expire") m.reviewEvents.labels(known(REVIEW_EVENTS, e.kind), queue).inc();
  });
}

export interface Subscription {
  /** When this worker last finished a detector tick (ms since epoch; 0 = never). */
  lastDetectTick(): number;
  close(): void;
}

export function subscribeMetrics(events: Events, m: Metrics, topics: InputTopics): Subscription {
  const input = (topic: string): Input =>
    topic === topics.posts ? "posts" : topic === topics.reports ? "reports" : "other";
  // Children bound once: a step observes one score per category per post.
  const scoreBy = CATEGORIES.map((c) => [c, m.postScore.labels({ category: c }), m.postsFlagged.labels(c)] as const);
  let lastTick = 0;

  const stops = [
    listen(events, "batch", (b) => {
      const i = input(b.topic);
      m.messagesConsumed.labels(i).inc(b.messages);
      m.messagesValid.labels(i).inc(b.valid);
      m.stepDuration.labels(i).observe(b.ms / 1000);
      if (b.eventLagMs) {
        m.stepMaxEventLag.labels(i).observe(b.eventLagMs.max / 1000);
        m.eventLag.labels(i).inc((b.eventLagMs.mean / 1000) * b.valid);
      }
      if (!b.scores || b.scores.length === 0) return;
      m.postsScored.inc(b.scores.length);
      for (const [c, hist, flagged] of scoreBy) {
        let n = 0;
        for (const s of b.scores) {
          const cs = s[c];
          hist.observe(cs.score);
          if (cs.flagged) n++;
        }
        if (n) flagged.inc(n);
      }
    }),
    listen(events, "deadLetter", (d) => {
      m.messagesDeadLettered.labels(input(d.topic), REASONS.has(d.reason) ? d.reason : "other").inc();
    }),
    listen(events, "replaySkipped", (r) => m.replaySkipped.inc(r.messages)),
    listen(events, "redisOp", (r) => m.redisOpDuration.labels(boundedName(r.op)).observe(r.ms / 1000)),
    listen(events, "stepError", (e) => {
      // Stages added later get their own series; the name is still bounded by the code emitting it.
      m.stepErrors.labels(STAGES.has(e.stage) ? e.stage : boundedName(e.stage)).inc();
    }),
    listen(events, "detectTick", (t) => {
      lastTick = Date.now();
      m.detectorTickDuration.observe(t.ms / 1000);
      m.detectorCandidates.inc(t.candidates);
    }),
    listen(events, "incident", (e) => {
      const grade = ROMAN[e.grade];
      const type = (INCIDENT_TYPES as readonly string[]).includes(e.type) ? e.type : "technical";
      const kind = (INCIDENT_EVENTS as readonly string[]).includes(e.kind) ? e.kind : "state";
      m.incidentEvents.labels(kind, type, grade).inc();
      if (e.kind === "state" && e.state === "resolved") m.incidentsResolved.labels(type).inc();
      if (e.detectedAfterMs !== undefined) m.incidentTimeToDetect.labels(type).observe(e.detectedAfterMs / 1000);
    }),
    listen(events, "suppressed", (s) => {
      m.incidentsSuppressed.labels(known(INCIDENT_TYPES, s.type), known(SUPPRESSED_REASONS, s.reason)).inc();
    }),
    listen(events, "spike", (s) => {
      m.spikesDetected.labels(s.type, s.category).inc();
      m.spikeEvidence.labels(s.category).observe(s.evidence);
    }),
    subscribeReview(events, m),
  ];
  return {
    lastDetectTick: () => lastTick,
    close: () => {
      for (const stop of stops) stop();
    },
  };
}
