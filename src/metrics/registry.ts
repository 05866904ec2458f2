// The worker's metrics, defined in this one file (the API server's are in api-registry.ts, the review
// events both carry in review-metrics.ts; docs/metrics.md lists them all).
// Prometheus conventions: modstream_ prefix, base units (seconds), _total counters, histograms for
// latencies. Labels are bounded by the code (inputs, categories, reasons, stages, Redis ops, key
// kinds, partitions), never by the data: no hashtag, user, post or incident id is ever a label.
import { Counter, Gauge, Histogram } from "prom-client";
import { APPEAL_REJECT_REASONS, CATEGORIES, DEAD_LETTER_REASONS, GRADE_NUMERALS, INCIDENT_TYPES } from "../domain";
import { BulkHistogram } from "./bulk-histogram";
import { LAG_BUCKETS, LATENCY_BUCKETS, SCORE_BUCKETS, newRegistry } from "./base";
import { reviewEventMetrics } from "./review-metrics";

/** Which input topic a message came from; the configured topic names stay out of the labels. */
export const INPUTS = ["posts", "reports", "other"] as const;
export type Input = (typeof INPUTS)[number];

/** Dead-letter reasons (domain.ts); anything new is counted as "other". */
export const DEAD_LETTER_LABELS = [...DEAD_LETTER_REASONS, ...APPEAL_REJECT_REASONS, "other"] as const;

/** Stages that emit stepError today; pre-initialised so "errors" queries show 0, not nothing. */
export const KNOWN_STAGES = ["step", "detect"] as const;

/** Redis operations the window store times today (src/windows/store.ts); others appear when first seen. */
export const KNOWN_REDIS_OPS = ["mark_read", "guards_read", "apply_buckets", "apply_candidates", "hot_read"] as const;

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

export const SUPPRESSED_REASONS = ["silenced", "inhibited"] as const;

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
    incidentsSuppressed: new Counter({
      name: "modstream_incidents_suppressed_total",
      help: "Incident openings or extensions that did not happen: a lead's silence matched (silenced) or a graver live incident on the same key inhibited a new one (inhibited), by type.",
      labelNames: ["type", "reason"] as const,
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
    for (const r of SUPPRESSED_REASONS) m.incidentsSuppressed.labels(t, r).inc(0);
    m.incidentTimeToDetect.zero({ type: t });
    for (const g of GRADE_NUMERALS) for (const e of INCIDENT_EVENTS) m.incidentEvents.labels(e, t, g).inc(0);
  }
  for (const s of KNOWN_STAGES) m.stepErrors.labels(s).inc(0);
  for (const op of KNOWN_REDIS_OPS) m.redisOpDuration.zero({ op });
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
