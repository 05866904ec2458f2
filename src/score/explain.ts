// Top contributing features of one post for one model: exact per feature, because
// the model is linear up to its activation (see src/train/model.ts).
import type { Contribution } from "../domain";
import { type FeatureSink, featureName } from "./features";

export const MAX_TOP = 5;

/**
 * Up to `k` features with a positive contribution, strongest first.
 * `contrib[i]` belongs to feature i of `sink`. Selection is by single occurrence
 * (one pass, no per-post hash table: that cost ~9 µs a post), then the weight
 * reported for a selected feature sums all of its occurrences.
 */
export function topContributions(sink: FeatureSink, contrib: Float64Array, k = MAX_TOP): Contribution[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < sink.n; i++) {
    const v = contrib[i] ?? 0;
    if (v <= 0 || (val.length === k && v <= (val[k - 1] ?? 0))) continue;
    const id = sink.ids[i] ?? 0;
    let dup = false;
    for (const j of idx) if (sink.ids[j] === id) dup = true;
    if (dup) continue;
    let j = val.length === k ? k - 1 : val.length;
    while (j > 0 && (val[j - 1] ?? 0) < v) {
      val[j] = val[j - 1] ?? 0;
      idx[j] = idx[j - 1] ?? 0;
      j--;
    }
    val[j] = v;
    idx[j] = i;
  }
  const out = idx.map((i) => {
    const id = sink.ids[i] ?? 0;
    let sum = 0;
    for (let m = 0; m < sink.n; m++) if (sink.ids[m] === id) sum += contrib[m] ?? 0;
    return { feature: featureName(sink, i), weight: sum };
  });
  return out.sort((a, b) => b.weight - a.weight);
}
