// Typed instrumentation events: stages emit, metrics and logs subscribe. Imports nothing from src/.
import { EventEmitter } from "node:events";
import type { Spike } from "./domain";

export interface PipelineEvents {
  /** One pipeline step finished and its effects are durable. */
  batch: [{ topic: string; partition: number; messages: number; valid: number; deadLettered: number; ms: number }];
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
}

export class Events extends EventEmitter<PipelineEvents> {}
