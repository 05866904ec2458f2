// `modstream train`: fits the four models (abuse and rumour, en and zh), each a fast stage and
// a second stage, saves them under models/ and writes models/MANIFEST.json. Then refits the
// same recipes without one source at a time (crossDataset) and without one PHEME event at a
// time (leave-one-event-out), so the manifest says how the recipe travels. Reproducible for a
// given seed and backend.
import { writeFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../score/backend";
import { loadModels } from "../score/models";
import {
  type CrossDataset,
  FEATURES,
  type Manifest,
  MODEL_NAMES,
  type ModelEntry,
  type ModelName,
  type RecipeFigures,
} from "../score/manifest";
import { loadCorpus, phemeFolds, TASKS, taskData, testSplit } from "./corpus";
import { useFastSegmentSum } from "./kernels";
import { auc, classReport, threshold } from "./metrics";
import { isHarmful, rechooseFlagAt, trainTask } from "./recipe";
import { saveModel } from "./save";

export interface TrainOptions {
  dataDir: string;
  modelsDir: string;
  seed: number;
  progress?: boolean;
  log?: (line: string) => void;
  /** Skip the refits (crossDataset, PHEME LOEO): for tests and quick experiments. */
  deployedOnly?: boolean;
}

const r4 = (x: number): number => Math.round(x * 10000) / 10000;

export async function runTraining(opts: TrainOptions): Promise<Manifest> {
  const log = opts.log ?? (() => {});
  const backend = await initBackend();
  if (backend !== "tensorflow") useFastSegmentSum(backend);
  const task = { seed: opts.seed, progress: opts.progress ?? true };
  const corpus = loadCorpus(opts.dataDir, opts.seed);
  const entries = {} as Record<ModelName, ModelEntry>;

  for (const name of MODEL_NAMES) {
    const spec = TASKS[name];
    const t = await trainTask(spec, taskData(spec, corpus), task);
    const fastBytes = await saveModel(t.fast, path.join(opts.modelsDir, name, "fast"));
    const secondBytes = await saveModel(t.second, path.join(opts.modelsDir, name, "second"));
    t.fast.dispose();
    t.second.dispose();
    entries[name] = {
      name,
      lang: spec.lang,
      category: spec.category,
      fast: {
        path: `${name}/fast`,
        classes: spec.classes,
        direction: spec.direction,
        offsets: t.offsets,
        weightBytes: fastBytes,
      },
      second: { path: `${name}/second`, dim: spec.second.dim, hidden: spec.second.hidden, weightBytes: secondBytes },
      threshold: t.threshold,
      escalateAt: t.escalateAt,
      flagAt: t.flagAt,
      flagRateTarget: spec.flagRateTarget,
      data: {
        sources: [...spec.sources, spec.ordinary],
        split: "each source's train fits, its dev picks epochs and thresholds; test splits are never seen",
      },
      training: { ...spec.fast, second: JSON.stringify(spec.second), ...t.training },
    };
    log(`${name}: escalate at ${t.escalateAt}, flag at ${t.flagAt}, in-domain threshold ${t.threshold}`);
  }

  const manifest: Manifest = {
    version: "2.0.0",
    createdAt: new Date().toISOString(),
    seed: opts.seed,
    backend: `${backend} (tfjs ${tf.version.tfjs})`,
    features: { ...FEATURES },
    models: entries,
    recipe: opts.deployedOnly ? undefined : await refits(corpus, task, log),
  };
  writeFileSync(path.join(opts.modelsDir, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** The recipes refitted without one source, and without one PHEME event. */
async function refits(
  corpus: ReturnType<typeof loadCorpus>,
  task: { seed: number; progress: boolean },
  log: (line: string) => void,
): Promise<RecipeFigures> {
  const crossDataset: CrossDataset[] = [];
  for (const name of MODEL_NAMES) {
    const spec = TASKS[name];
    for (const left of spec.sources) {
      const other = spec.sources.find((s) => s !== left) ?? "";
      const t = await trainTask(spec, taskData(spec, corpus, left), { ...task, label: `${name} -${left}` });
      const test = testSplit(corpus, left);
      const scores = t.score(test).final;
      const a = auc(
        scores,
        test.map((e) => isHarmful(left, e.label)),
      );
      t.fast.dispose();
      t.second.dispose();
      crossDataset.push({
        lang: spec.lang,
        category: spec.category,
        trainedOn: other,
        testedOn: left,
        auc: r4(a),
        n: test.length,
      });
      log(`${name}: trained without ${left} (on ${other}), AUC on ${left} ${a.toFixed(4)}`);
    }
  }

  const spec = TASKS["rumour-en"];
  const folds: RecipeFigures["phemeLoeo"]["folds"] = [];
  const gold: number[] = [];
  const pred: number[] = [];
  const flaggedAtTraffic: number[] = [];
  for (const fold of phemeFolds(spec, corpus)) {
    const t = await trainTask(spec, fold.data, { ...task, label: `pheme -${fold.event}` });
    const s = t.score(fold.test);
    t.fast.dispose();
    t.second.dispose();
    const g = fold.test.map((e) => e.label);
    const p = threshold(s.fast, t.threshold);
    const atTraffic = threshold(s.final, t.flagAt);
    const positives = g.filter((x) => x === 1).length;
    const recallAtTraffic = g.filter((x, i) => x === 1 && atTraffic[i] === 1).length / Math.max(positives, 1);
    folds.push({
      event: fold.event,
      f1: r4(classReport(g, p, 1).f1),
      recallAtTraffic: r4(recallAtTraffic),
      support: positives,
    });
    gold.push(...g);
    pred.push(...p);
    g.forEach((x, i) => x === 1 && flaggedAtTraffic.push(atTraffic[i] ?? 0));
    log(`pheme -${fold.event}: F1 ${folds.at(-1)?.f1}, recall at traffic threshold ${recallAtTraffic.toFixed(4)}`);
  }
  const pooled = classReport(gold, pred, 1);
  return {
    crossDataset,
    phemeLoeo: {
      rumourF1Micro: r4(pooled.f1),
      rumourF1MacroOverFolds: r4(folds.reduce((s, f) => s + f.f1, 0) / folds.length),
      rumourPrecisionMicro: r4(pooled.precision),
      rumourRecallMicro: r4(pooled.recall),
      recallAtTraffic: r4(flaggedAtTraffic.reduce((s, x) => s + x, 0) / Math.max(flaggedAtTraffic.length, 1)),
      folds,
    },
  };
}

/** `train --thresholds-only`: each model's stream threshold chosen again for its current target. */
export async function rechooseThresholds(opts: TrainOptions): Promise<Manifest> {
  const loaded = await loadModels(opts.modelsDir);
  const corpus = loadCorpus(opts.dataDir, loaded.manifest.seed);
  const manifest = loaded.manifest;
  for (const name of MODEL_NAMES) {
    const spec = TASKS[name];
    const m = loaded.models[name];
    const dev = corpus[spec.ordinary]?.dev ?? [];
    const flagAt = rechooseFlagAt(spec, m.linear, m.second, m.entry.escalateAt, dev);
    (opts.log ?? (() => {}))(`${name}: flag rate target ${spec.flagRateTarget}, flag at ${m.entry.flagAt} → ${flagAt}`);
    manifest.models[name] = { ...m.entry, flagAt, flagRateTarget: spec.flagRateTarget };
  }
  writeFileSync(path.join(opts.modelsDir, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}
