// Top contributing features of one post for one model: exact per feature, because
// the model is linear up to its activation (see src/train/model.ts). The selection
// itself is FusedPair.top; this names what it selected.
import type { Contribution } from "../domain";
import { type FeatureSink, featureName } from "./features";
import type { Selection } from "./fused";

export const MAX_TOP = 5;

/**
 * The `m` features of `sel` as contributions: each named, weighing its contribution per
 * occurrence times its occurrences, strongest first.
 */
export function namedContributions(sink: FeatureSink, sel: Selection, m: number): Contribution[] {
  const out: Contribution[] = [];
  for (let s = 0; s < m; s++)
    out.push({
      feature: featureName(sink, sel.idx[s] as number),
      weight: (sel.val[s] as number) * (sel.count[s] as number),
    });
  return out.sort((a, b) => b.weight - a.weight);
}
