// The cascade's second stage without tensors: the trained hashed_mlp's weights lifted into
// plain arrays (src/train/model.ts, buildMlp), evaluated for the few posts that reach it.
import type * as tf from "@tensorflow/tfjs";
import type { FeatureSink } from "./features";

export class Mlp {
  private readonly pooled: Float64Array;
  private readonly hidden: Float64Array;

  constructor(
    /** buckets × dim feature vectors. */
    readonly embedding: Float32Array,
    readonly dim: number,
    /** dim × hidden, then hidden biases; hidden × 1 and the output bias. */
    readonly w1: Float32Array,
    readonly b1: Float32Array,
    readonly w2: Float32Array,
    readonly b2: number,
  ) {
    this.pooled = new Float64Array(dim);
    this.hidden = new Float64Array(b1.length);
  }

  get buckets(): number {
    return this.embedding.length / this.dim;
  }

  static fromLayers(model: tf.LayersModel): Mlp {
    const [emb] = model.getLayer("features").getWeights();
    const [w1, b1] = model.getLayer("hidden").getWeights();
    const [w2, b2] = model.getLayer("output").getWeights();
    if (!emb || !w1 || !b1 || !w2 || !b2) throw new Error("not a hashed_mlp model");
    return new Mlp(
      emb.dataSync() as Float32Array,
      emb.shape[1] ?? 0,
      w1.dataSync() as Float32Array,
      b1.dataSync() as Float32Array,
      w2.dataSync() as Float32Array,
      b2.dataSync()[0] ?? 0,
    );
  }

  /**
   * P(flagged) for the features in `sink`, each weighing `weight` (ids reduced modulo buckets),
   * correcting the first stage's logit `prior`.
   */
  prob(sink: FeatureSink, weight: number, prior: number): number {
    const { dim, embedding: e, pooled: p, hidden: h, w1, b1, w2 } = this;
    const mask = this.buckets - 1;
    p.fill(0);
    for (let i = 0; i < sink.n; i++) {
      const base = ((sink.ids[i] as number) & mask) * dim;
      for (let d = 0; d < dim; d++) p[d] = (p[d] as number) + (e[base + d] as number);
    }
    let out = prior + this.b2;
    for (let j = 0; j < h.length; j++) {
      let s = b1[j] as number;
      for (let d = 0; d < dim; d++) s += (p[d] as number) * weight * (w1[d * h.length + j] as number);
      h[j] = s > 0 ? s : 0;
      out += (h[j] as number) * (w2[j] as number);
    }
    return 1 / (1 + Math.exp(-out));
  }
}
