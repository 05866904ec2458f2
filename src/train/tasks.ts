// The Davidson decision rule: per-class offsets on the three-class model's log-probabilities,
// chosen for the two figures Davidson et al. report (weighted F1 and hate F1).
import { classReport, weightedF1 } from "./metrics";

/** Argmax after adding per-class offsets to log-probabilities. */
export function argmaxWithOffsets(probs: ArrayLike<number>, classes: number, offsets: readonly number[]): Int32Array {
  const n = probs.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0,
      bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = Math.log(Math.max(probs[i * classes + c] ?? 0, 1e-12)) + (offsets[c] ?? 0);
      if (v > bestV) [best, bestV] = [c, v];
    }
    out[i] = best;
  }
  return out;
}

/** What the Davidson offsets maximise: the two published figures we are compared on. */
function davidsonObjective(gold: ArrayLike<number>, pred: Int32Array): number {
  return weightedF1(gold, pred, 3) + classReport(gold, pred, 0).f1;
}

/** Offsets on a grid maximising davidsonObjective; ties keep the smallest move from zero. */
export function bestOffsets(probs: Float32Array, gold: ArrayLike<number>): { offsets: number[]; score: number } {
  let offsets = [0, 0, 0];
  let score = davidsonObjective(gold, argmaxWithOffsets(probs, 3, offsets));
  for (let h = -1; h <= 3.001; h += 0.25) {
    for (let nb = -1.5; nb <= 1.501; nb += 0.25) {
      const s = davidsonObjective(gold, argmaxWithOffsets(probs, 3, [h, 0, nb]));
      if (s > score + 1e-9) [score, offsets] = [s, [h, 0, nb]];
    }
  }
  return { offsets, score };
}
