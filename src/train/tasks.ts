// One training recipe per data set: which split trains, which one picks epochs
// and thresholds, and what the decision rule is. Test splits are never seen here.
import type * as tf from "@tensorflow/tfjs";
import { FEATURES } from "../score/manifest";
import type { Lang } from "../score/features";
import { mulberry32 } from "../random";
import type { Example } from "./data";
import { type Encoded, encode } from "./encode";
import { fit } from "./fit";
import { accuracy, bestThreshold, classReport, macroF1, threshold, weightedF1 } from "./metrics";

export interface Trained {
  model: tf.LayersModel;
  threshold: number;
  offsets?: number[];
  training: Record<string, number | string>;
}

export interface Recipe {
  epochs: number;
  learningRate: number;
  l2: number;
  batchSize: number;
  classWeight?: number[];
  /**
   * Davidson: number of cross-fitting folds on train whose out-of-fold predictions pick
   * the epochs (1..`epochs`), the logit offsets and the abuse threshold.
   */
  folds?: number;
}

export interface TaskOptions {
  seed: number;
  progress: boolean;
}

/** Binary task; `metric` both early-stops and picks the threshold on dev. */
export async function trainBinary(
  name: string,
  lang: Lang,
  train: readonly Example[],
  dev: readonly Example[],
  recipe: Recipe,
  metric: "accuracy" | "f1",
  opts: TaskOptions,
): Promise<Trained & { devProbs: Float32Array }> {
  const cfg = FEATURES[lang];
  const tr = encode(train, cfg);
  const dv = encode(dev, cfg);
  const score = (gold: ArrayLike<number>, pred: Int32Array): number =>
    metric === "accuracy" ? accuracy(gold, pred) : classReport(gold, pred, 1).f1;
  const fitted = await fit(tr, dv, {
    shape: { buckets: cfg.buckets, width: cfg.maxFeatures, classes: 1, l2: recipe.l2 },
    ...recipe,
    seed: opts.seed,
    name,
    progress: opts.progress,
    select: (p) => score(dv.labels, threshold(p, 0.5)),
  });
  const t = bestThreshold(fitted.devProbs, dv.labels, score);
  return {
    model: fitted.model,
    threshold: t,
    devProbs: fitted.devProbs,
    training: {
      ...recipe,
      classWeight: String(recipe.classWeight ?? "none"),
      epochsKept: fitted.epoch,
      [`dev_${metric}`]: score(dv.labels, threshold(fitted.devProbs, t)),
      trainSize: train.length,
      devSize: dev.length,
    },
  };
}

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

/** Rows `rows` of an encoded matrix. */
function subset(enc: Encoded, rows: readonly number[]): Encoded {
  const w = enc.width;
  const ids = new Int32Array(rows.length * w);
  const weights = new Float32Array(rows.length * w);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    ids.set(enc.ids.subarray(r * w, (r + 1) * w), i * w);
    weights.set(enc.weights.subarray(r * w, (r + 1) * w), i * w);
    labels[i] = enc.labels[r] ?? 0;
  });
  return { n: rows.length, width: w, ids, weights, labels };
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

/**
 * Davidson (hate / offensive / neither). Hate is 6% of tweets, so its loss is
 * up-weighted and logit offsets lift hate-class F1. The ~110 hate tweets of the 10%
 * dev split made offsets chosen there chase noise (−1 on hate, cutting test recall to
 * 0.26), so epochs, offsets and the abuse threshold are chosen on out-of-fold
 * predictions over the whole training part (`folds`-fold cross-fitting, every fold
 * fitted by tfjs in fit.ts, ~1,150 hate tweets). The deployed model is then fitted on
 * all of train for those epochs; dev is held out and only reported.
 */
export async function trainDavidson(
  train: readonly Example[],
  dev: readonly Example[],
  recipe: Recipe,
  opts: TaskOptions,
): Promise<Trained> {
  const cfg = FEATURES.en;
  const tr = encode(train, cfg);
  const dv = encode(dev, cfg);
  const K = recipe.folds ?? 4;
  const shape = { buckets: cfg.buckets, width: cfg.maxFeatures, classes: 3, l2: recipe.l2 };
  const rand = mulberry32(opts.seed + 1);
  const fold = Int32Array.from({ length: tr.n }, () => Math.floor(rand() * K));
  // oof[e - 1]: out-of-fold class probabilities after epoch e.
  const oof = Array.from({ length: recipe.epochs }, () => new Float32Array(tr.n * 3));
  for (let k = 0; k < K; k++) {
    const fitRows: number[] = [];
    const outRows: number[] = [];
    for (let i = 0; i < tr.n; i++) (fold[i] === k ? outRows : fitRows).push(i);
    const fitted = await fit(subset(tr, fitRows), subset(tr, outRows), {
      shape,
      ...recipe,
      seed: opts.seed + 1 + k,
      name: `davidson cv ${k + 1}/${K}`,
      progress: opts.progress,
      onEpoch: (epoch, p) => {
        const out = oof[epoch - 1];
        if (out) outRows.forEach((r, i) => out.set(p.subarray(i * 3, i * 3 + 3), r * 3));
      },
    });
    fitted.model.dispose();
  }
  let epochs = 1;
  let chosen = bestOffsets(oof[0] ?? new Float32Array(0), tr.labels);
  for (let e = 2; e <= recipe.epochs; e++) {
    const c = bestOffsets(oof[e - 1] ?? new Float32Array(0), tr.labels);
    if (c.score > chosen.score + 1e-9) [epochs, chosen] = [e, c];
  }
  const oofProbs = oof[epochs - 1] ?? new Float32Array(0);
  const oofPred = argmaxWithOffsets(oofProbs, 3, chosen.offsets);
  // Binary abuse flag: 1 − P(neither) against "neither", threshold on the same predictions.
  const abusive = new Float32Array(tr.n);
  const gold = new Int32Array(tr.n);
  for (let i = 0; i < tr.n; i++) {
    abusive[i] = 1 - (oofProbs[i * 3 + 2] ?? 0);
    gold[i] = (tr.labels[i] ?? 0) === 2 ? 0 : 1;
  }
  const t = bestThreshold(abusive, gold, accuracy);

  // No `select`: exactly `epochs` epochs; dev is only predicted for the report.
  const final = await fit(tr, dv, {
    shape,
    ...recipe,
    epochs,
    seed: opts.seed,
    name: "davidson",
    progress: opts.progress,
  });
  const devPred = argmaxWithOffsets(final.devProbs, 3, chosen.offsets);
  return {
    model: final.model,
    threshold: t,
    offsets: chosen.offsets,
    training: {
      ...recipe,
      classWeight: String(recipe.classWeight ?? "none"),
      epochsKept: epochs,
      cv_weightedF1: weightedF1(tr.labels, oofPred, 3),
      cv_hateF1: classReport(tr.labels, oofPred, 0).f1,
      dev_weightedF1: weightedF1(dv.labels, devPred, 3),
      dev_hateF1: classReport(dv.labels, devPred, 0).f1,
      dev_macroF1: macroF1(dv.labels, devPred, 3),
      trainSize: train.length,
      devSize: dev.length,
    },
  };
}
