// The reference path: the same posts through tf.predict on the loaded LayersModels.
// Used to check the fast path's arithmetic and to benchmark against it.
import * as tf from "@tensorflow/tfjs";
import type { Post } from "../domain";
import { extractFeatures, type Lang, makeSink } from "./features";
import { FEATURES, type ModelName } from "./manifest";
import type { LoadedModels } from "./models";
import { prepare, routeLang } from "./prepare";

export interface ReferenceResult {
  /** Per post: the model that scored it and its class probabilities. */
  abuse: { model: ModelName; probs: number[] }[];
  rumour: { model: ModelName; probs: number[] }[];
}

const MODELS: Record<Lang, { abuse: ModelName; rumour: ModelName }> = {
  en: { abuse: "davidson", rumour: "pheme" },
  zh: { abuse: "cold", rumour: "weibo16" },
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
      extractFeatures(texts[row] ?? "", cfg, sink, posts[row]?.author);
      const w = sink.n > 0 ? 1 / Math.sqrt(sink.n) : 0;
      for (let i = 0; i < sink.n; i++) {
        ids[r * width + i] = sink.ids[i] ?? 0;
        weights[r * width + i] = w;
      }
    });
    for (const category of ["abuse", "rumour"] as const) {
      const name = MODELS[lang][category];
      const model = loaded.models[name].layers;
      const probs = tf.tidy(() => {
        const x = [tf.tensor2d(ids, [rows.length, width], "int32"), tf.tensor2d(weights, [rows.length, width])];
        return (model.predict(x) as tf.Tensor).arraySync() as number[][];
      });
      rows.forEach((row, r) => {
        result[category][row] = { model: name, probs: probs[r] ?? [] };
      });
    }
  }
  return result;
}
