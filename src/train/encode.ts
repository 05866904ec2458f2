// Turns examples into the padded (ids, weights) matrices the tfjs model takes.
import { extractFeatures, makeSink, type FeatureConfig } from "../score/features";
import { prepare } from "../score/prepare";
import type { Example } from "./data";

export interface Encoded {
  n: number;
  width: number;
  ids: Int32Array;
  weights: Float32Array;
  labels: Int32Array;
  /** Second stage only: the first stage's logit of each row, the prior it corrects. */
  prior?: Float32Array;
}

/**
 * Each feature weighs 1/sqrt(count): the bag of features has unit L2 norm, so
 * long posts do not get larger logits just for being long.
 */
export function featureWeight(count: number): number {
  return count > 0 ? 1 / Math.sqrt(count) : 0;
}

export function encode(examples: readonly Example[], cfg: FeatureConfig): Encoded {
  const width = cfg.maxFeatures;
  const ids = new Int32Array(examples.length * width);
  const weights = new Float32Array(examples.length * width);
  const labels = new Int32Array(examples.length);
  const sink = makeSink(cfg);
  examples.forEach((ex, r) => {
    extractFeatures(prepare(ex.text), cfg, sink);
    const w = featureWeight(sink.n);
    for (let i = 0; i < sink.n; i++) {
      ids[r * width + i] = sink.ids[i] ?? 0;
      weights[r * width + i] = w;
    }
    labels[r] = ex.label;
  });
  return { n: examples.length, width, ids, weights, labels };
}

/** Rows `rows` of an encoded matrix, ids reduced modulo `buckets` when given. */
export function subset(enc: Encoded, rows: readonly number[], buckets?: number): Encoded {
  const w = enc.width;
  const ids = new Int32Array(rows.length * w);
  const weights = new Float32Array(rows.length * w);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    ids.set(enc.ids.subarray(r * w, (r + 1) * w), i * w);
    weights.set(enc.weights.subarray(r * w, (r + 1) * w), i * w);
    labels[i] = enc.labels[r] ?? 0;
  });
  if (buckets !== undefined) for (let i = 0; i < ids.length; i++) ids[i] = (ids[i] as number) & (buckets - 1);
  const prior = enc.prior ? Float32Array.from(rows, (r) => enc.prior?.[r] ?? 0) : undefined;
  return { n: rows.length, width: w, ids, weights, labels, prior };
}
