// Top contributing features of one post for one model: exact per feature, because the fast
// stage is linear up to its activation (see src/train/model.ts). The selection itself is
// FusedPair.top; this quotes what it selected from the post's original text.
import type { Contribution } from "../domain";
import { type FeatureSink, featureText } from "./features";
import type { Selection } from "./fused";
import { locator } from "./spans";

export const MAX_TOP = 5;

/**
 * The `m` features of `sel` as contributions, strongest first: each the span of the original
 * post it was read from, weighing its contribution per occurrence times its occurrences.
 * Features that cover the same span are merged; a feature the original cannot show is dropped.
 */
export function namedContributions(original: string, sink: FeatureSink, sel: Selection, m: number): Contribution[] {
  const find = locator(original);
  const bySpan = new Map<string, Contribution>();
  for (let s = 0; s < m; s++) {
    const span = find(featureText(sink, sel.idx[s] as number));
    if (!span) continue;
    const weight = (sel.val[s] as number) * (sel.count[s] as number);
    const key = `${span.start}:${span.end}`;
    const seen = bySpan.get(key);
    if (seen) seen.weight += weight;
    else bySpan.set(key, { feature: original.slice(span.start, span.end), weight, span });
  }
  return [...bySpan.values()].sort((a, b) => b.weight - a.weight);
}
