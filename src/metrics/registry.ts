// Every metric modstream exports, defined in this one file (docs/metrics.md lists them).
// Prometheus conventions: modstream_ prefix, base units (seconds), _total counters, histograms for
// latencies. Labels are bounded by the code (inputs, categories, reasons, stages, Redis ops, key
// kinds, partitions), never by the data: no hashtag, user, post or incident id is ever a label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import {
  CATEGORIES,
  DEAD_LETTER_REASONS,
  DECISION_KINDS,
  GRADE_NUMERALS,
  INCIDENT_TYPES,
  REVIEW_QUEUES,
} from "../domain";
import { BulkHistogram } from "./bulk-histogram";

/** Which input topic a message came from; the configured topic names stay out of the labels. */
export const INPUTS = ["posts", "reports", "other"] as const;
export type Input = (typeof INPUTS)[number];

/** Dead-letter reasons (domain.ts); anything new is counted as "other". */
export const DEAD_LETTER_LABELS = [...DEAD_LETTER_REASONS, "other"] as const;

/** Stages that emit stepError today; pre-initialised so "errors" queries show 0, not nothing. */
export const KNOWN_STAGES = ["step", "detect"] as const;

/** Redis operations the window store times today (src/windows/store.ts); others appear when first seen. */
export const KNOWN_REDIS_OPS = ["mark_read", "guards_read", "apply_buckets", "apply_candidates", "hot_read"] as const;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
const SCORE_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

export interface LagReading {
  input: Input;
  partition: number;
  lag: number;
}

export const INCIDENT_EVENTS = [
  "opened",
  "extended",
  "regraded",
  "state",
  "reopened",
  "resolve_proposed",
  "statement",
  "action",
] as const;

export interface OpenIncidents {
  type: string;
  grade: string;
  count: number;
}

export interface MetricsSources {
  /** Consumer lag per input partition (cached by the caller; called on every scrape). */
  consumerLag: () => Promise<readonly LagReading[]>;
  /** True while this worker holds the detector lease (ran a tick recently). */
  detectorLeader: () => boolean;
  /** Live incidents by type and grade (read from Redis on scrape), when incidents are on. */
  openIncidents?: () => Promise<readonly OpenIncidents[]>;
}

/** A fresh registry with prom-client's default process metrics (one per worker or API server). */
function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These three are gauges named like counters (promtool rejects them); each is the sum of the
  // per-type nodejs_active_{handles,requests,resources} gauges that stay.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"])
    registry.removeSingleMetric(name);
  return registry;
}

/** Builds a fresh registry (one per worker, so several workers can share a process in tests). */
export function createMetrics(sources: MetricsSources) {
  const registry = newRegistry();
  const registers = [registry];

  const m = {
    registry,
    ...reviewEventMetrics(registers),
    messagesConsumed: new Counter({
      name: "modstream_messages_consumed_total",
      help: "Messages read from the input topics (each message once, replays after a crash excluded).",
      labelNames: ["input"] as const,
      registers,
    }),
    messagesValid: new Counter({
      name: "modstream_messages_valid_total",
      help: "Messages that decoded and validated as a post or report.",
      labelNames: ["input"] as const,
      registers,
    }),
    messagesDeadLettered: new Counter({
      name: "modstream_messages_dead_lettered_total",
      help: "Messages sent to the dead-letter topic, by rejection reason.",
      labelNames: ["input", "reason"] as const,
      registers,
    }),
    replaySkipped: new Counter({
      name: "modstream_replay_skipped_messages_total",
      help: "Re-delivered messages skipped because Redis already held their effects.",
      registers,
    }),
    postsScored: new Counter({
      name: "modstream_posts_scored_total",
      help: "Posts scored (each post is scored for every category).",
      registers,
    }),
    postsFlagged: new Counter({
      name: "modstream_posts_flagged_total",
      help: "Posts the scorer flagged, by category.",
      labelNames: ["category"] as const,
      registers,
    }),
    // 4 observations per post: the bulk histogram keeps that cheap (see bulk-histogram.ts).
    postScore: new BulkHistogram({
      name: "modstream_post_score",
      help: "Distribution of post scores (0..1), by category.",
      labelNames: ["category"] as const,
      buckets: SCORE_BUCKETS,
      registers,
    }),
    stepDuration: new Histogram({
      name: "modstream_step_duration_seconds",
      help: "Time to process one pipeline step (decode to durable window counts).",
      labelNames: ["input"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    stepMaxEventLag: new Histogram({
      name: "modstream_step_max_event_lag_seconds",
      help: "End-to-end lag of each step's oldest post: event time (createdAt) to durable window counts.",
      labelNames: ["input"] as const,
      buckets: LAG_BUCKETS,
      registers,
    }),
    eventLag: new Counter({
      name: "modstream_event_lag_seconds_total",
      help: "Sum over valid posts of event time (createdAt) to processed; divide by modstream_messages_valid_total for the mean.",
      labelNames: ["input"] as const,
      registers,
    }),
    stepErrors: new Counter({
      name: "modstream_step_errors_total",
      help: "Failed pipeline steps (each is retried), by stage.",
      labelNames: ["stage"] as const,
      registers,
    }),
    redisOpDuration: new Histogram({
      name: "modstream_redis_op_duration_seconds",
      help: "Redis round trips of the window store, by operation.",
      labelNames: ["op"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    detectorTickDuration: new Histogram({
      name: "modstream_detector_tick_duration_seconds",
      help: "Time of one detector pass over the candidates (only the lease holder ticks).",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    detectorCandidates: new Counter({
      name: "modstream_detector_candidates_examined_total",
      help: "Candidate keys the detector examined.",
      registers,
    }),
    spikesDetected: new Counter({
      name: "modstream_spikes_detected_total",
      help: "New spikes recorded by the detector, by spike type (category, or attack for a solo author) and category.",
      labelNames: ["type", "category"] as const,
      registers,
    }),
    spikeEvidence: new Histogram({
      name: "modstream_spike_evidence",
      help: "Evidence of detected spikes: -log10 of the chance under the key's baseline, by category.",
      labelNames: ["category"] as const,
      buckets: [6, 8, 10, 15, 20, 30, 50, 100],
      registers,
    }),
    consumerLag: new Gauge({
      name: "modstream_consumer_lag_messages",
      help: "Messages between the consumer group's committed offset and the log end, by input partition.",
      labelNames: ["input", "partition"] as const,
      registers,
      async collect() {
        const readings = await sources.consumerLag();
        this.reset();
        for (const r of readings) this.set({ input: r.input, partition: String(r.partition) }, r.lag);
      },
    }),
    incidentEvents: new Counter({
      name: "modstream_incident_events_total",
      help: "Incident events recorded by this worker (opened, extended, regraded, state, ...), by incident type and grade.",
      labelNames: ["event", "type", "grade"] as const,
      registers,
    }),
    incidentsResolved: new Counter({
      name: "modstream_incidents_resolved_total",
      help: "Incidents declared resolved, by type.",
      labelNames: ["type"] as const,
      registers,
    }),
    incidentTimeToDetect: new Histogram({
      name: "modstream_incident_time_to_detect_seconds",
      help: "First evidence (first flagged post) to the incident being opened, by type.",
      labelNames: ["type"] as const,
      buckets: [1, 2.5, 5, 10, 15, 20, 30, 45, 60, 120, 300, 900],
      registers,
    }),
    incidentsOpen: new Gauge({
      name: "modstream_incidents_open",
      help: "Live incidents (open, assessing or responding), by type and grade; the same figure from every worker.",
      labelNames: ["type", "grade"] as const,
      registers,
      async collect() {
        if (!sources.openIncidents) return;
        const rows = await sources.openIncidents();
        for (const t of INCIDENT_TYPES) for (const g of GRADE_NUMERALS) this.set({ type: t, grade: g }, 0);
        for (const r of rows) this.set({ type: r.type, grade: r.grade }, r.count);
      },
    }),
    detectorLeader: new Gauge({
      name: "modstream_detector_leader",
      help: "1 while this worker holds the detector lease, else 0.",
      registers,
      collect() {
        this.set(sources.detectorLeader() ? 1 : 0);
      },
    }),
  };

  // Known label values start at 0, so rate() and alert queries have a series before the first
  // event: a series born with its first increment hides that increment from rate() and increase().
  for (const input of ["posts", "reports"] as const) {
    m.messagesConsumed.labels(input).inc(0);
    m.messagesValid.labels(input).inc(0);
    m.stepDuration.zero({ input });
    m.stepMaxEventLag.zero({ input });
    m.eventLag.labels(input).inc(0);
    for (const reason of DEAD_LETTER_LABELS) m.messagesDeadLettered.labels(input, reason).inc(0);
  }
  for (const c of CATEGORIES) {
    m.postsFlagged.labels(c).inc(0);
    m.postScore.labels({ category: c });
    m.spikeEvidence.zero({ category: c });
    // The detector calls a category's spike "attack" when one author drives it (detect/spike.ts).
    m.spikesDetected.labels(c, c).inc(0);
    if (c !== "attack") m.spikesDetected.labels("attack", c).inc(0);
  }
  for (const t of INCIDENT_TYPES) {
    m.incidentsResolved.labels(t).inc(0);
    m.incidentTimeToDetect.zero({ type: t });
    for (const g of GRADE_NUMERALS) for (const e of INCIDENT_EVENTS) m.incidentEvents.labels(e, t, g).inc(0);
  }
  for (const s of KNOWN_STAGES) m.stepErrors.labels(s).inc(0);
  for (const op of KNOWN_REDIS_OPS) m.redisOpDuration.zero({ op });
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

// Review queues and the API (src/review, src/http). Review events are counted by the process that
// emits them (workers enqueue, API servers claim and decide), so queries sum them; the queues'
// figures and the audit log's activity are read from Redis by every API server alike, so queries
// take the max across servers.

/** Review events counted by modstream_review_events_total (decisions and lease expiries have their own). */
export const REVIEW_EVENTS = ["enqueue", "shed", "claim", "release", "reassign"] as const;
export const QUEUE_STATES = ["waiting", "escalated", "claimed"] as const;
/** Enqueue to claim or decision; 900, 3600, 14400 and 86400 s are the default SLAs of grades I-IV. */
const REVIEW_WAIT_BUCKETS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800];

/** A code-chosen label value from a known list, or "other". */
export function known<T extends string>(values: readonly T[], v: string | undefined): T | "other" {
  return (values as readonly string[]).includes(v ?? "") ? (v as T) : "other";
}

function reviewEventMetrics(registers: Registry[]) {
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

export interface ApiMetricsSources {
  /** Read on scrape. */
  reviewFigures: () => Promise<ReviewFiguresReading>;
  /** What happened since the last call; read on scrape. */
  reviewActivity: () => Promise<readonly ReviewActivityReading[]>;
  /** A read failed; the figures keep their last values until one succeeds. */
  onError: (err: unknown) => void;
}

/**
 * One run of `read` for all the callers that arrive while it runs: prom-client collects every
 * metric of a scrape at once, and several metrics share one Redis read.
 */
function shared(read: () => Promise<void>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () =>
    (running ??= read()
      .catch(onError)
      .finally(() => (running = undefined)));
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
