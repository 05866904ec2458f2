// The tfjs trainer (src/train/fit.ts): reproducible for a seed, and the model it saves
// (float16 model.json + weights.bin) scores the same through tf.predict and through the
// fast path (src/score/linear.ts) that production uses.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/score/backend";
import { extractFeatures, makeSink, type FeatureConfig } from "../../src/score/features";
import { LinearModel } from "../../src/score/linear";
import { loadLayersModel } from "../../src/score/load";
import { prepare } from "../../src/score/prepare";
import type { Example } from "../../src/train/data";
import { encode, featureWeight } from "../../src/train/encode";
import { fit, type FitOptions } from "../../src/train/fit";
import { useFastSegmentSum } from "../../src/train/kernels";
import { predictAll } from "../../src/train/model";
import { saveModel } from "../../src/train/save";
import { argmaxWithOffsets } from "../../src/train/tasks";

const cfg: FeatureConfig = { lang: "en", buckets: 1 << 12, maxFeatures: 128, charMin: 3, charMax: 4 };
const words = ["you", "are", "a", "stupid", "idiot", "nice", "day", "lovely", "hate", "trash", "the", "weather"];

/** Synthetic 3-class posts: hate (0) = insult + "hate", offensive (1) = insult, neither (2). */
function examples(n: number, seed: number): Example[] {
  let s = seed;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(rnd() * 8);
    const text = Array.from({ length: len }, () => words[Math.floor(rnd() * words.length)]).join(" ");
    const label = /stupid|idiot|trash/.test(text) ? (/hate/.test(text) ? 0 : 1) : 2;
    return { text, label };
  });
}

const shape = { buckets: cfg.buckets, width: cfg.maxFeatures, classes: 3, l2: 1e-5 };
const opts: FitOptions = { shape, epochs: 3, batchSize: 16, learningRate: 0.01, seed: 7, name: "t", progress: false };
const train = encode(examples(400, 1), cfg);
const heldOut = examples(120, 2);
const dev = encode(heldOut, cfg);

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

beforeAll(async () => {
  const backend = await initBackend();
  if (backend !== "tensorflow") useFastSegmentSum(backend);
});

describe("tfjs trainer", () => {
  it("is reproducible for a seed, and the seed matters", async () => {
    const a = await fit(train, dev, opts);
    const b = await fit(train, dev, opts);
    const c = await fit(train, dev, { ...opts, seed: 8 });
    const [wa, wb, wc] = [weightsOf(a.model), weightsOf(b.model), weightsOf(c.model)];
    expect(wa).toEqual(wb);
    expect(Array.from(a.devProbs)).toEqual(Array.from(b.devProbs));
    expect(wa).not.toEqual(wc);
    for (const f of [a, b, c]) f.model.dispose();
  });

  it("without select trains exactly `epochs` epochs and reports every epoch", async () => {
    const seen: number[] = [];
    const f = await fit(train, dev, { ...opts, onEpoch: (e, p) => seen.push(e, p.length) });
    expect(f.epoch).toBe(opts.epochs);
    expect(seen).toEqual([1, dev.n * 3, 2, dev.n * 3, 3, dev.n * 3]);
    // the kept weights are the last epoch's: predicting again gives the last devProbs
    expect(Array.from(predictAll(f.model, dev))).toEqual(Array.from(f.devProbs));
    f.model.dispose();
  });

  describe("saved model", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "modstream-fit-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("scores the same via tf.predict and the fast path, and learnt the task", async () => {
      const f = await fit(train, dev, opts);
      const before = predictAll(f.model, dev);
      await saveModel(f.model, dir);
      f.model.dispose();
      const loaded = await loadLayersModel(dir);
      const viaTf = predictAll(loaded, dev);
      const linear = LinearModel.fromLayers(loaded);
      loaded.dispose();
      const sink = makeSink(cfg);
      const buf = new Float64Array(3);
      const fast = new Float32Array(heldOut.length * 3);
      heldOut.forEach((ex, i) => {
        extractFeatures(prepare(ex.text), cfg, sink);
        linear.logits(sink, featureWeight(sink.n), buf);
        linear.activate(buf);
        fast.set(buf, i * 3);
      });
      for (let i = 0; i < fast.length; i++) {
        expect(fast[i]).toBeCloseTo(viaTf[i] ?? NaN, 5);
        // float16 storage moves probabilities only slightly
        expect(Math.abs((viaTf[i] ?? NaN) - (before[i] ?? NaN))).toBeLessThan(0.01);
      }
      const pred = argmaxWithOffsets(fast, 3, [0, 0, 0]);
      const correct = pred.filter((p, i) => p === heldOut[i]?.label).length;
      expect(correct / heldOut.length).toBeGreaterThan(0.8);
    });
  });
});
