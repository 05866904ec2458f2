// Top contributing features of one post for one model: exact per feature, because
// the model is linear up to its activation (see src/train/model.ts).
import type { Contribution } from "../domain";
import { type FeatureSink, featureName } from "./features";

export const MAX_TOP = 5;

// Selection scratch, reused across calls (scoring is single-threaded per scorer).
const selIdx = new Int32Array(MAX_TOP);
const selVal = new Float64Array(MAX_TOP);

/**
 * Up to `k` (≤ MAX_TOP) features with a positive contribution, strongest first.
 * `contrib[i]` belongs to feature i of `sink`. Selection is by single occurrence
 * (one pass, no per-post hash table: that cost ~9 µs a post), then the weight
 * reported for a selected feature sums all of its occurrences.
 */
export function topContributions(sink: FeatureSink, contrib: Float64Array, k = MAX_TOP): Contribution[] {
  const ids = sink.ids;
  const cap = Math.min(k, MAX_TOP);
  let m = 0;
  for (let i = 0; i < sink.n; i++) {
    const v = contrib[i] as number;
    if (v <= 0 || (m === cap && v <= (selVal[cap - 1] as number))) continue;
    const id = ids[i] as number;
    let dup = false;
    for (let j = 0; j < m; j++) if (ids[selIdx[j] as number] === id) dup = true;
    if (dup) continue;
    let j = m === cap ? cap - 1 : m++;
    while (j > 0 && (selVal[j - 1] as number) < v) {
      selVal[j] = selVal[j - 1] as number;
      selIdx[j] = selIdx[j - 1] as number;
      j--;
    }
    selVal[j] = v;
    selIdx[j] = i;
  }
  const out: Contribution[] = [];
  for (let s = 0; s < m; s++) {
    const i = selIdx[s] as number;
    const id = ids[i] as number;
    let sum = 0;
    for (let q = 0; q < sink.n; q++) if (ids[q] === id) sum += contrib[q] as number;
    out.push({ feature: featureName(sink, i), weight: sum });
  }
  return out.sort((a, b) => b.weight - a.weight);
}
