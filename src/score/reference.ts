// The reference path: the same posts through tf.predict on the loaded LayersModels, both
// stages of the cascade. Used to check the fast path's arithmetic and to benchmark against it.
import * as tf from "@tensorflow/tfjs";
import type { Post } from "../domain";
import { extractFeatures, type Lang, makeSink } from "./features";
import { cascadeScore, logit } from "./cascade";
import { FEATURES, type ModelName, SECOND_STAGE_BUCKETS } from "./manifest";
import type { LoadedModels } from "./models";
import { prepare, routeLang } from "./prepare";

export interface ReferenceResult {
  /** Per post: the model that scored it, its first stage's class probabilities and the cascade's score (before rules). */
  abuse: { model: ModelName; probs: number[]; cascade: number }[];
  rumour: { model: ModelName; probs: number[]; cascade: number }[];
}

const MODELS: Record<Lang, { abuse: ModelName; rumour: ModelName }> = {
  en: { abuse: "abuse-en", rumour: "rumour-en" },
  zh: { abuse: "abuse-zh", rumour: "rumour-zh" },
};

/** Abuse and rumour probabilities of every post via tf.predict, batched per language. */
export function predictReference(loaded: LoadedModels, posts: readonly Post[]): ReferenceResult {
  const result: ReferenceResult = { abuse: [], rumour: [] };
  for (const lang of ["en", "zh"] as const) {
    const cfg = FEATURES[lang];
    const sink = makeSink(cfg);
    const rows: number[] = [];
    const texts = posts.map((p) => prepare(p.text));
    texts.forEach((t, i) => {
      if (routeLang(t) === lang) rows.push(i);
    });
    if (rows.length === 0) continue;
    const width = cfg.maxFeatures;
    const ids = new Int32Array(rows.length * width);
    const weights = new Float32Array(rows.length * width);
    rows.forEach((row, r) => {
      extractFeatures(texts[row] ?? "", cfg, sink);
      const w = sink.n > 0 ? 1 / Math.sqrt(sink.n) : 0;
      for (let i = 0; i < sink.n; i++) {
        ids[r * width + i] = sink.ids[i] ?? 0;
        weights[r * width + i] = w;
      }
    });
    for (const category of ["abuse", "rumour"] as const) {
      const name = MODELS[lang][category];
      const { layers, secondLayers, entry } = loaded.models[name];
      const probs = tf.tidy(() => {
        const x = [tf.tensor2d(ids, [rows.length, width], "int32"), tf.tensor2d(weights, [rows.length, width])];
        return (layers.predict(x) as tf.Tensor).arraySync() as number[][];
      });
      const fast = probs.map((p) => (p.length === 1 ? (p[0] ?? 0) : 1 - (p[2] ?? 0)));
      const reduced = ids.map((id) => id & (SECOND_STAGE_BUCKETS - 1));
      const second = tf.tidy(() => {
        const x = [
          tf.tensor2d(reduced, [rows.length, width], "int32"),
          tf.tensor2d(weights, [rows.length, width]),
          tf.tensor2d(Float32Array.from(fast, logit), [rows.length, 1]),
        ];
        return (secondLayers.predict(x) as tf.Tensor).dataSync();
      });
      rows.forEach((row, r) => {
        const p1 = fast[r] ?? 0;
        const cascade = cascadeScore(p1, entry.escalateAt, () => second[r] ?? 0);
        result[category][row] = { model: name, probs: probs[r] ?? [], cascade };
      });
    }
  }
  return result;
}
