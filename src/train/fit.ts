// Mini-batch training of the hashed linear model with tfjs, early-stopped on a dev split.
import * as tf from "@tensorflow/tfjs";
import { SingleBar, Presets } from "cli-progress";
import { mulberry32 } from "../random";
import type { Encoded } from "./encode";
import { buildModel, predictAll, type ModelShape } from "./model";

export interface FitOptions {
  shape: ModelShape;
  /** The model to fit; the hashed linear model of `shape` when absent. */
  build?: () => tf.LayersModel;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Loss weight per class, e.g. to lift the rare hate class. */
  classWeight?: readonly number[];
  /**
   * Higher is better; computed on dev probabilities after every epoch, and the best
   * epoch's weights are kept. Absent: train exactly `epochs` epochs and keep the last.
   */
  select?: (probs: Float32Array) => number;
  /** Called after every epoch with that epoch's dev probabilities (e.g. out-of-fold predictions). */
  onEpoch?: (epoch: number, devProbs: Float32Array) => void;
  name: string;
  /** Show a progress bar (off in tests). */
  progress?: boolean;
}

export interface Fitted {
  model: tf.LayersModel;
  devProbs: Float32Array;
  epoch: number;
  devScore: number;
}

function batchLoss(model: tf.LayersModel, enc: Encoded, rows: Int32Array, opts: FitOptions): tf.Scalar {
  const w = enc.width;
  const n = rows.length;
  const ids = new Int32Array(n * w);
  const weights = new Float32Array(n * w);
  const labels = new Int32Array(n);
  const sampleWeight = new Float32Array(n);
  rows.forEach((r, i) => {
    ids.set(enc.ids.subarray(r * w, (r + 1) * w), i * w);
    weights.set(enc.weights.subarray(r * w, (r + 1) * w), i * w);
    labels[i] = enc.labels[r] ?? 0;
    sampleWeight[i] = opts.classWeight?.[labels[i] ?? 0] ?? 1;
  });
  const inputs = [tf.tensor2d(ids, [n, w], "int32"), tf.tensor2d(weights, [n, w])];
  if (enc.prior)
    inputs.push(
      tf.tensor2d(
        Float32Array.from(rows, (r) => enc.prior?.[r] ?? 0),
        [n, 1],
      ),
    );
  const out = model.apply(inputs, {
    training: true,
  }) as tf.Tensor;
  const eps = 1e-7;
  const p = out.clipByValue(eps, 1 - eps);
  const nll =
    opts.shape.classes === 1
      ? tf
          .tensor1d(Float32Array.from(labels))
          .reshape([n, 1])
          .mul(p.log())
          .add(
            tf
              .scalar(1)
              .sub(tf.tensor1d(Float32Array.from(labels)).reshape([n, 1]))
              .mul(tf.scalar(1).sub(p).log()),
          )
          .neg()
          .reshape([n])
      : tf.oneHot(tf.tensor1d(labels, "int32"), opts.shape.classes).mul(p.log()).sum(1).neg();
  const loss = nll.mul(tf.tensor1d(sampleWeight)).mean();
  // L2 on the feature vectors only: it keeps rare n-grams from memorising single posts.
  const features = model.getLayer("features").getWeights()[0] as tf.Tensor;
  return loss.add<tf.Scalar>(features.square().sum().mul(opts.shape.l2));
}

export async function fit(train: Encoded, dev: Encoded, opts: FitOptions): Promise<Fitted> {
  const model = opts.build ? opts.build() : buildModel(opts.shape, opts.seed);
  await tf.ready();
  const optimizer = tf.train.adam(opts.learningRate);
  const rand = mulberry32(opts.seed);
  const steps = Math.ceil(train.n / opts.batchSize);
  const bar =
    opts.progress === false
      ? null
      : new SingleBar(
          {
            format: `${opts.name.padEnd(24)} [{bar}] {percentage}% | epoch {epoch} | dev {dev}`,
            // Without a terminal (CI, a log file) a line every 10 s still shows it is moving.
            noTTYOutput: true,
            notTTYSchedule: 10_000,
            stream: process.stderr,
          },
          Presets.shades_classic,
        );
  bar?.start(opts.epochs * steps, 0, { epoch: 1, dev: "-" });
  let best: Fitted | null = null;
  let bestWeights: tf.Tensor[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const order = Int32Array.from({ length: train.n }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    for (let s = 0; s < steps; s++) {
      const rows = order.subarray(s * opts.batchSize, (s + 1) * opts.batchSize);
      tf.tidy(() => {
        optimizer.minimize(() => batchLoss(model, train, rows, opts));
      });
      bar?.increment(1, { epoch });
      // The steps run synchronously; let the progress bar's timer draw now and then.
      if (bar && s % 25 === 24) await new Promise((resolve) => setImmediate(resolve));
    }
    const devProbs = predictAll(model, dev);
    opts.onEpoch?.(epoch, devProbs);
    if (!opts.select) {
      best = { model, devProbs, epoch, devScore: NaN };
      continue;
    }
    const devScore = opts.select(devProbs);
    bar?.update({ epoch, dev: devScore.toFixed(4) });
    if (!best || devScore > best.devScore) {
      tf.dispose(bestWeights);
      bestWeights = model.getWeights().map((t) => t.clone());
      best = { model, devProbs, epoch, devScore };
    }
  }
  bar?.stop();
  if (!best) throw new Error("no epochs run");
  if (bestWeights.length > 0) model.setWeights(bestWeights);
  tf.dispose(bestWeights);
  optimizer.dispose();
  return best;
}
