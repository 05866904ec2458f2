// `modstream train`: trains all four models, saves them under models/, writes
// models/MANIFEST.json. Reproducible for a given seed and backend.
import { writeFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../score/backend";
import { FEATURES, type Manifest, type ModelEntry, type ModelName } from "../score/manifest";
import { loadCold, loadDavidson, loadPheme, loadWeibo } from "./data";
import { useFastSegmentSum } from "./kernels";
import { crossValidatePheme, trainPhemeFinal } from "./pheme";
import { saveModel } from "./save";
import { type Recipe, type Trained, trainBinary, trainDavidson } from "./tasks";

export interface TrainOptions {
  dataDir: string;
  modelsDir: string;
  seed: number;
  progress?: boolean;
  log?: (line: string) => void;
}

// Chosen by a handful of runs on the dev splits (see docs/scoring.md).
export const RECIPES: Readonly<Record<ModelName, Recipe>> = {
  // l2 1e-4 gained 0.003 dev accuracy but stopped flagging short insults (操你妈) in
  // test/score/evasion.test.ts, so COLD keeps 1e-5.
  cold: { epochs: 4, learningRate: 0.01, l2: 1e-5, batchSize: 64 },
  weibo16: { epochs: 8, learningRate: 0.01, l2: 1e-5, batchSize: 32 },
  // Epochs (1–6), offsets and the abuse threshold from 4-fold cross-fitting on train,
  // every fold fitted by tfjs (tasks.ts).
  davidson: { epochs: 6, learningRate: 0.01, l2: 1e-5, batchSize: 64, classWeight: [3, 1, 1], folds: 4 },
  pheme: { epochs: 8, learningRate: 0.01, l2: 1e-5, batchSize: 32 },
};

const DATA: Record<ModelName, ModelEntry["data"]> = {
  cold: {
    source: "COLD (thu-coai/COLDataset a0c55a9)",
    licence: "Apache-2.0",
    split: "official train (fit) / dev (epochs, threshold)",
  },
  davidson: {
    source: "Davidson et al. 2017 (t-davidson/hate-speech-and-offensive-language cb50f7e)",
    licence: "MIT; tweets under Twitter terms",
    split:
      "split_davidson_nb_rs42 train minus a seeded 10% dev (reported only); 4-fold cross-fitting (tfjs) on that train picks epochs, offsets and threshold",
  },
  weibo16: {
    source: "Weibo-16 (Ma et al. 2016), rebuilt from ww-rm/weibo-rmdt + BiGCN labels",
    licence: "research only, redistribution unclear",
    split: "split column: train (fit) / dev (epochs, threshold)",
  },
  pheme: {
    source: "PHEME rumour/non-rumour source tweets (figshare 6392078 via freddyheppell/crowdeval)",
    licence: "CC-BY 4.0 annotations; tweets under Twitter terms",
    split:
      "6 two-class events; LOEO for metrics (inside each fold, the next event is the dev for epochs and threshold); deployed model on all 6, epochs on a seeded 15% dev, threshold = mean of the folds'",
  },
};

export async function runTraining(opts: TrainOptions): Promise<Manifest> {
  const log = opts.log ?? (() => {});
  const backend = await initBackend();
  if (backend !== "tensorflow") useFastSegmentSum(backend);
  const task = { seed: opts.seed, progress: opts.progress ?? true };
  const entries = {} as Record<ModelName, ModelEntry>;

  const save = async (
    name: ModelName,
    t: Trained,
    lang: "en" | "zh",
    category: ModelEntry["category"],
    classes: string[],
    direction: number[],
  ): Promise<void> => {
    const weightBytes = await saveModel(t.model, path.join(opts.modelsDir, name));
    t.model.dispose();
    entries[name] = {
      name,
      path: name,
      lang,
      category,
      classes,
      threshold: t.threshold,
      offsets: t.offsets,
      direction,
      data: DATA[name],
      training: t.training,
      weightBytes,
    };
    log(`${name}: saved (${(weightBytes / 1e6).toFixed(2)} MB), threshold ${t.threshold}`);
  };

  const cold = loadCold(opts.dataDir);
  await save(
    "cold",
    await trainBinary("cold", "zh", cold.train, cold.dev, RECIPES.cold, "accuracy", task),
    "zh",
    "abuse",
    ["offensive"],
    [1],
  );

  const weibo = loadWeibo(opts.dataDir);
  await save(
    "weibo16",
    await trainBinary("weibo16", "zh", weibo.train, weibo.dev, RECIPES.weibo16, "accuracy", task),
    "zh",
    "rumour",
    ["rumour"],
    [1],
  );

  const dav = loadDavidson(opts.dataDir, opts.seed);
  await save(
    "davidson",
    await trainDavidson(dav.train, dav.dev, RECIPES.davidson, task),
    "en",
    "abuse",
    ["hate", "offensive", "neither"],
    [0.5, 0.5, -1],
  );

  const pheme = loadPheme(opts.dataDir);
  const cv = await crossValidatePheme(pheme, RECIPES.pheme, task);
  log(`pheme LOEO rumour F1: micro ${cv.micro.f1.toFixed(4)}, macro over folds ${cv.macroF1.toFixed(4)}`);
  const final = await trainPhemeFinal(pheme, RECIPES.pheme, task, cv);
  final.training = {
    ...final.training,
    loeo_micro_f1: cv.micro.f1,
    loeo_micro_precision: cv.micro.precision,
    loeo_micro_recall: cv.micro.recall,
    loeo_macro_f1: cv.macroF1,
    loeo_folds: JSON.stringify(
      cv.folds.map((f) => ({ event: f.event, f1: Math.round(f.f1 * 1e4) / 1e4, support: f.support })),
    ),
  };
  await save("pheme", final, "en", "rumour", ["rumour"], [1]);

  const manifest: Manifest = {
    version: "1.0.0",
    createdAt: new Date().toISOString(),
    seed: opts.seed,
    backend: `${backend} (tfjs ${tf.version.tfjs})`,
    features: { ...FEATURES },
    models: entries,
  };
  writeFileSync(path.join(opts.modelsDir, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}
