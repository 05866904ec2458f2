// The two stages of one category, put together the same way in the stream, in training
// (to choose the thresholds) and in eval: the fast stage's score, and for the posts that reach
// `escalateAt` the second stage's, which makes the call.
import type { LinearModel } from "./linear";

/** Scores the fast stage clears are scaled into [0, CLEARED): below any operating threshold. */
export const CLEARED = 0.1;

/** P(flagged) from the fast stage's activated outputs: abuse-en has three classes, flagged is "not neither". */
export function fastProbability(linear: LinearModel, probs: Float64Array): number {
  return linear.classes === 1 ? (probs[0] ?? 0) : 1 - (probs[2] ?? 0);
}

/**
 * The model's final score: the second stage's above the escalation bar, else the scaled fast
 * score. A bar above 1 means the model has no second stage (it did not beat the first on dev):
 * the fast score is final.
 */
export function cascadeScore(fast: number, escalateAt: number, second: () => number): number {
  if (escalateAt > 1) return fast;
  return fast >= escalateAt ? second() : (fast / Math.max(escalateAt, 1e-9)) * CLEARED;
}

/** The escalation bar of a model whose second stage is off. */
export const NO_SECOND_STAGE = 2;

/** Rumour cues (log-odds) added to the model's log-odds: independent evidence, as in naive Bayes. */
export function withCues(model: number, cueLogOdds: number): number {
  return cueLogOdds === 0 ? model : 1 / (1 + Math.exp(-(logit(model) + cueLogOdds)));
}

/** The logit of a probability, clamped so that 0 and 1 stay finite. */
export function logit(p: number): number {
  const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  return Math.log(q / (1 - q));
}
