// The fastText-style linear model in tfjs layers: a bag of hashed features, each
// with a learnt vector of class logits, pooled with per-feature weights, then a
// dense layer. Everything is linear up to the output activation, so each
// feature's contribution to a logit is exact, which is what explanations need.
import * as tf from "@tensorflow/tfjs";

export interface ModelShape {
  buckets: number;
  width: number;
  /** 1 → sigmoid (binary); more → softmax. */
  classes: number;
  /** L2 penalty on the feature vectors, applied by the training loop. */
  l2: number;
}

/** A post's hashed features (ids, weights) as one `dim`-vector: each feature's learnt vector, weighted and summed. */
function pooledBag(
  width: number,
  buckets: number,
  dim: number,
  init: "zeros" | ReturnType<typeof tf.initializers.randomUniform>,
): { ids: tf.SymbolicTensor; weights: tf.SymbolicTensor; flat: tf.SymbolicTensor } {
  const ids = tf.input({ shape: [width], dtype: "int32", name: "ids" });
  const weights = tf.input({ shape: [width], name: "weights" });
  const vectors = tf.layers
    .embedding({ inputDim: buckets, outputDim: dim, embeddingsInitializer: init, name: "features" })
    .apply(ids) as tf.SymbolicTensor;
  const column = tf.layers.reshape({ targetShape: [width, 1] }).apply(weights) as tf.SymbolicTensor;
  const pooled = tf.layers.dot({ axes: 1, name: "pool" }).apply([vectors, column]) as tf.SymbolicTensor;
  return { ids, weights, flat: tf.layers.flatten().apply(pooled) as tf.SymbolicTensor };
}

export function buildModel(shape: ModelShape, seed = 1): tf.LayersModel {
  const units = shape.classes;
  // Zero init: a bucket never seen in training must contribute nothing at inference.
  const { ids, weights, flat } = pooledBag(shape.width, shape.buckets, units, "zeros");
  const out = tf.layers
    .dense({
      units,
      activation: units === 1 ? "sigmoid" : "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      name: "output",
    })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, weights], outputs: out, name: "hashed_ngram_linear" });
}

/** Class probabilities for rows [from, to) of an encoded matrix, via tf.predict. */
export function predictRows(
  model: tf.LayersModel,
  enc: { ids: Int32Array; weights: Float32Array; width: number; prior?: Float32Array },
  from: number,
  to: number,
): Float32Array {
  return tf.tidy(() => {
    const w = enc.width;
    const ids = tf.tensor2d(enc.ids.subarray(from * w, to * w), [to - from, w], "int32");
    const weights = tf.tensor2d(enc.weights.subarray(from * w, to * w), [to - from, w]);
    const inputs = [ids, weights];
    if (enc.prior) inputs.push(tf.tensor2d(enc.prior.subarray(from, to), [to - from, 1]));
    return (model.predict(inputs) as tf.Tensor).dataSync() as Float32Array;
  });
}

export function predictAll(
  model: tf.LayersModel,
  enc: { ids: Int32Array; weights: Float32Array; width: number; n: number; prior?: Float32Array },
): Float32Array {
  const classes = model.outputs[0]?.shape[1] ?? 1;
  const out = new Float32Array(enc.n * classes);
  for (let from = 0; from < enc.n; from += 512) {
    const to = Math.min(enc.n, from + 512);
    out.set(predictRows(model, enc, from, to), from * classes);
  }
  return out;
}

export interface MlpShape {
  /** Hash buckets of the second stage: the first stage's ids modulo this power of two. */
  buckets: number;
  width: number;
  dim: number;
  hidden: number;
  l2: number;
}

/**
 * The cascade's second stage: a correction to the first stage's logit (the `prior` input). The
 * same bag of hashed features, each a learnt `dim`-vector, pooled with the same per-feature
 * weights, then a hidden ReLU layer whose output is added to the prior before the sigmoid. The
 * hidden layer lets words act together ("kill" with "lol" is not "kill" alone), which the linear
 * first stage cannot express. The last layer starts at zero, so training starts from the first
 * stage's own call. Ids arrive already reduced to `buckets`.
 */
export function buildMlp(shape: MlpShape, seed = 1): tf.LayersModel {
  const init = tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
  const { ids, weights, flat } = pooledBag(shape.width, shape.buckets, shape.dim, init);
  const prior = tf.input({ shape: [1], name: "prior" });
  const hidden = tf.layers
    .dense({
      units: shape.hidden,
      activation: "relu",
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }),
      name: "hidden",
    })
    .apply(flat) as tf.SymbolicTensor;
  const correction = tf.layers
    .dense({ units: 1, kernelInitializer: "zeros", name: "output" })
    .apply(hidden) as tf.SymbolicTensor;
  const logit = tf.layers.add().apply([prior, correction]) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: "sigmoid" }).apply(logit) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, weights, prior], outputs: out, name: "hashed_mlp" });
}
