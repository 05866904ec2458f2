// The fast path: the tfjs model's weights folded into one table of per-feature
// class logits, scored with a typed-array loop (no tensors, no allocation).
import type * as tf from "@tensorflow/tfjs";
import type { FeatureSink } from "./features";

export class LinearModel {
  /**
   * @param table buckets × classes: the embedding row times the dense kernel, i.e.
   *   each feature's exact additive contribution to every logit per unit of weight.
   */
  constructor(
    readonly table: Float32Array,
    readonly bias: Float32Array,
    readonly classes: number,
  ) {}

  /** Fold a trained hashed_ngram_linear LayersModel (see src/train/model.ts). */
  static fromLayers(model: tf.LayersModel): LinearModel {
    const [emb] = model.getLayer("features").getWeights();
    const [kernel, bias] = model.getLayer("output").getWeights();
    if (!emb || !kernel || !bias) throw new Error("not a hashed_ngram_linear model");
    const [buckets = 0, dim = 0] = emb.shape;
    const classes = kernel.shape[1] ?? 0;
    const e = emb.dataSync() as Float32Array;
    const k = kernel.dataSync() as Float32Array;
    const table = new Float32Array(buckets * classes);
    for (let h = 0; h < buckets; h++) {
      for (let c = 0; c < classes; c++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += (e[h * dim + j] ?? 0) * (k[j * classes + c] ?? 0);
        table[h * classes + c] = s;
      }
    }
    return new LinearModel(table, Float32Array.from(bias.dataSync()), classes);
  }

  /** Logits of the features in `sink`, each weighing `weight`, written into `out`. */
  logits(sink: FeatureSink, weight: number, out: Float64Array): void {
    const C = this.classes;
    const t = this.table;
    const ids = sink.ids;
    for (let c = 0; c < C; c++) out[c] = 0;
    for (let i = 0; i < sink.n; i++) {
      const base = (ids[i] ?? 0) * C;
      for (let c = 0; c < C; c++) out[c] = (out[c] ?? 0) + (t[base + c] ?? 0);
    }
    for (let c = 0; c < C; c++) out[c] = (out[c] ?? 0) * weight + (this.bias[c] ?? 0);
  }

  /** Probabilities in place: sigmoid for one output, softmax for several. */
  activate(logits: Float64Array): void {
    const C = this.classes;
    if (C === 1) {
      logits[0] = 1 / (1 + Math.exp(-(logits[0] ?? 0)));
      return;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[c] ?? 0);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += logits[c] = Math.exp((logits[c] ?? 0) - max);
    for (let c = 0; c < C; c++) logits[c] = (logits[c] ?? 0) / sum;
  }
}
