// Typed instrumentation events: stages emit, metrics and logs subscribe. Imports nothing from src/.
import { EventEmitter } from "node:events";
import type { IncidentEvent, Post, Report, Score, Spike, SuppressedOpening } from "./domain";

export interface PipelineEvents {
  /** One pipeline step finished and its effects are durable. */
  batch: [
    {
      topic: string;
      partition: number;
      messages: number;
      valid: number;
      deadLettered: number;
      ms: number;
      /** Scores of the step's valid posts, in order (absent when scoring is off or for reports). */
      scores?: readonly Score[];
      /** Event time (createdAt) → processed, over the step's valid posts (absent when there are none). */
      eventLagMs?: { max: number; mean: number };
      /** Event time (createdAt, ms since epoch) of each of the step's valid posts, in order. */
      eventTimesMs?: Float64Array;
    },
  ];
  /** A message was sent to the dead-letter topic. */
  deadLetter: [{ topic: string; reason: string }];
  /** Messages skipped because Redis already holds their effects (replay after a crash). */
  replaySkipped: [{ partition: number; messages: number }];
  /** A Redis round trip finished. */
  redisOp: [{ op: string; ms: number }];
  /** The detector found a new spike (first detection of this type and key). */
  spike: [Spike];
  /** One detector pass finished. */
  detectTick: [{ candidates: number; spikes: number; ms: number }];
  /** The pipeline failed a step and will retry it. */
  stepError: [{ stage: string; error: Error }];
  /**
   * A step's flagged posts (with the window tags they were counted under) and reports, after
   * their counts are durable; the incidents stage samples evidence from it. Emitted only when
   * someone listens.
   */
  stepEvidence: [
    {
      /** `tags`: every window key of the post; `windowTags`: those that got full windows (they keep evidence). */
      posts: { post: Post; score: Score; tags: string[]; windowTags?: string[] }[];
      reports: Report[];
    },
  ];
  /** An incident event was recorded (opened, re-graded, state change, statement, ...). */
  incident: [IncidentEvent];
  /** An incident opening (or extension) a silence or an inhibiting incident stopped (once per reference). */
  suppressed: [SuppressedOpening];
  /** A review queue change (src/review): enqueue, claim, decision, release, expiry, reassignment. */
  review: [
    {
      kind: "enqueue" | "shed" | "claim" | "decide" | "release" | "expire" | "reassign";
      queue: string;
      decision?: string;
    },
  ];
}

export class Events extends EventEmitter<PipelineEvents> {}
