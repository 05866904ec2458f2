// Evaluates the committed models: on every in-domain test split with each source's metric,
// next to the published baseline and our target (the fast stage at its in-domain threshold);
// and, as the stream runs them (the whole cascade and rules at the stream thresholds), on
// ordinary traffic (flag rates) and on every harmful test split (recall). crossDataset comes
// from training, which refitted each recipe without one source (src/train/index.ts).
import type { Category, Post, Score } from "../domain";
import { extractFeatures, featureName, makeSink } from "../score/features";
import type { LinearModel } from "../score/linear";
import { type CrossDataset, FEATURES } from "../score/manifest";
import type { LoadedModels } from "../score/models";
import { prepare } from "../score/prepare";
import { ModelScorer } from "../score/scorer";
import { type TaskSpec, isHarmful } from "./recipe";
import { corpusOf, TASKS, testSplit } from "./corpus";
import type { Example } from "./data";
import { featureWeight } from "./encode";
import { accuracy, classReport, threshold, weightedF1 } from "./metrics";
import { argmaxWithOffsets } from "./tasks";

export interface DatasetEval {
  split: string;
  metrics: Record<string, number>;
  baseline: { source: string; [metric: string]: number | string };
  target: Record<string, number>;
  pass: boolean;
  /**
   * Diagnostic, never deployed: the best this model scores when its decision rule (threshold
   * or class offsets) is fitted to the test split itself. A target above it cannot be reached
   * by any rule; only a model that ranks the test posts better can.
   */
  testTunedCeiling?: Record<string, number | number[]>;
}

/** Best accuracy over the thresholds 0.01–0.99 on the split's own labels. */
export function accuracyCeiling(
  probs: ArrayLike<number>,
  gold: ArrayLike<number>,
): { accuracy: number; threshold: number } {
  let best = { accuracy: 0, threshold: 0.5 };
  for (let k = 1; k <= 99; k++) {
    const a = accuracy(gold, threshold(probs, k / 100));
    if (a > best.accuracy) best = { accuracy: a, threshold: k / 100 };
  }
  return best;
}

/**
 * Over log-probability offsets for hate and neither (−3…5 and −3…3 in steps of 1/8, offensive
 * fixed at 0): the best weighted F1, the best hate F1, and the best weighted F1 among the rules
 * whose hate F1 beats `hateTarget` (0 when none does).
 */
export function davidsonCeiling(
  probs: ArrayLike<number>,
  gold: ArrayLike<number>,
  hateTarget: number,
): { weightedF1: number; offsets: number[]; hateF1: number; weightedF1WithHateAboveTarget: number } {
  let out = { weightedF1: 0, offsets: [0, 0, 0], hateF1: 0, weightedF1WithHateAboveTarget: 0 };
  for (let h = -3; h <= 5; h += 0.125) {
    for (let nb = -3; nb <= 3; nb += 0.125) {
      const pred = argmaxWithOffsets(probs, 3, [h, 0, nb]);
      const w = weightedF1(gold, pred, 3);
      const hate = classReport(gold, pred, 0).f1;
      if (w > out.weightedF1) out = { ...out, weightedF1: w, offsets: [h, 0, nb] };
      if (hate > out.hateF1) out = { ...out, hateF1: hate };
      if (hate > hateTarget && w > out.weightedF1WithHateAboveTarget)
        out = { ...out, weightedF1WithHateAboveTarget: w };
    }
  }
  return out;
}

/** Class probabilities of every example, row-major. */
export function probabilities(model: LinearModel, lang: "en" | "zh", examples: readonly Example[]): Float32Array {
  const cfg = FEATURES[lang];
  const sink = makeSink(cfg);
  const out = new Float32Array(examples.length * model.classes);
  const buf = new Float64Array(model.classes);
  examples.forEach((ex, i) => {
    extractFeatures(prepare(ex.text), cfg, sink);
    model.logits(sink, featureWeight(sink.n), buf);
    model.activate(buf);
    out.set(buf, i * model.classes);
  });
  return out;
}

const r4 = (x: number): number => Math.round(x * 10000) / 10000;

export function evaluate(loaded: LoadedModels, dataDir: string, seed: number): Record<string, DatasetEval> {
  const corpus = corpusOf(dataDir, seed);
  const m = loaded.models;
  const out: Record<string, DatasetEval> = {};

  const cold = testSplit(corpus, "cold");
  const coldProbs = probabilities(m["abuse-zh"].linear, "zh", cold);
  const coldGold = cold.map((e) => e.label);
  const coldAcc = r4(accuracy(coldGold, threshold(coldProbs, m["abuse-zh"].entry.threshold)));
  const coldCeiling = accuracyCeiling(coldProbs, coldGold);
  out.cold = {
    split: "official test (5,323)",
    metrics: { accuracy: coldAcc },
    baseline: { source: "COLDetector (BERT), Deng et al. 2022", accuracy: 0.81 },
    target: { accuracy: 0.81 },
    pass: coldAcc >= 0.81,
    testTunedCeiling: { accuracy: r4(coldCeiling.accuracy), threshold: coldCeiling.threshold },
  };

  const dav = testSplit(corpus, "davidson");
  const davProbs = probabilities(m["abuse-en"].linear, "en", dav);
  const davPred = argmaxWithOffsets(davProbs, 3, m["abuse-en"].entry.fast.offsets ?? [0, 0, 0]);
  const davGold = dav.map((e) => e.label);
  const davCeiling = davidsonCeiling(davProbs, davGold, 0.51);
  const hate = classReport(davGold, davPred, 0);
  const wf1 = r4(weightedF1(davGold, davPred, 3));
  out.davidson = {
    split: "notebook split rs42 test (2,479)",
    metrics: {
      weightedF1: wf1,
      hateF1: r4(hate.f1),
      hatePrecision: r4(hate.precision),
      hateRecall: r4(hate.recall),
      offensiveF1: r4(classReport(davGold, davPred, 1).f1),
      neitherF1: r4(classReport(davGold, davPred, 2).f1),
    },
    baseline: { source: "Davidson et al. 2017 notebook LR", weightedF1: 0.9, hateF1: 0.51 },
    target: { weightedF1: 0.9, hateF1: 0.51 },
    pass: wf1 >= 0.9 && hate.f1 > 0.51,
    testTunedCeiling: {
      weightedF1: r4(davCeiling.weightedF1),
      offsets: davCeiling.offsets,
      hateF1: r4(davCeiling.hateF1),
      weightedF1WithHateAboveTarget: r4(davCeiling.weightedF1WithHateAboveTarget),
    },
  };

  const weibo = testSplit(corpus, "weibo16");
  const weiboPred = threshold(probabilities(m["rumour-zh"].linear, "zh", weibo), m["rumour-zh"].entry.threshold);
  const weiboAcc = r4(
    accuracy(
      weibo.map((e) => e.label),
      weiboPred,
    ),
  );
  out.weibo16 = {
    split: "md5 split test (888), source text only",
    metrics: { accuracy: weiboAcc },
    baseline: { source: "Ma et al. 2016 GRU-2 (uses the repost stream)", accuracy: 0.91 },
    target: { accuracy: 0.88 },
    pass: weiboAcc >= 0.88,
  };

  // PHEME has no test split: its figure is the leave-one-event-out result recorded at training time.
  const cv = loaded.manifest.recipe?.phemeLoeo;
  const microF1 = r4(cv?.rumourF1Micro ?? NaN);
  out.pheme = {
    split: "leave-one-event-out over 6 events (cross-validation at training time; the deployed model saw all 6)",
    metrics: {
      rumourF1Micro: microF1,
      rumourF1MacroOverFolds: r4(cv?.rumourF1MacroOverFolds ?? NaN),
      rumourPrecisionMicro: r4(cv?.rumourPrecisionMicro ?? NaN),
      rumourRecallMicro: r4(cv?.rumourRecallMicro ?? NaN),
    },
    baseline: { source: "Zubiaga et al. 2017 CRF (5 events, with context), recalled", rumourF1: 0.607 },
    target: { rumourF1Micro: 0.61 },
    pass: microF1 >= 0.61,
  };
  return out;
}

// ---- the stream's view: ordinary traffic and recall at the deployed thresholds ---------------

const CATEGORIES: readonly Category[] = ["abuse", "rumour", "attack", "data_leak"];

/** A data set's text as a post from an ordinary, long-standing account, so that only the text decides. */
function asPost(ex: Example, i: number): Post {
  return {
    id: String(i),
    text: ex.text,
    createdAt: "2024-01-01T00:00:00Z",
    author: { id: `a${i}`, followers: 100, accountAgeDays: 365 },
  };
}

function scoreAll(scorer: ModelScorer, examples: readonly Example[]): Score[] {
  const out: Score[] = [];
  for (let i = 0; i < examples.length; i += 512)
    out.push(...scorer.scoreBatch(examples.slice(i, i + 512).map((ex, k) => asPost(ex, i + k))));
  return out;
}

export interface TrafficFigures {
  set: string;
  n: number;
  flagRate: Record<"any" | Category, number>;
  /** ordinary-zh: the posts labelled optimism or gratitude. */
  optimismGratitude?: { n: number; any: number };
}

function flagRates(scores: readonly Score[]): Record<"any" | Category, number> {
  const n = Math.max(scores.length, 1);
  const rate = (f: (s: Score) => boolean): number => r4(scores.filter(f).length / n);
  return {
    any: rate((s) => CATEGORIES.some((c) => s[c].flagged)),
    abuse: rate((s) => s.abuse.flagged),
    rumour: rate((s) => s.rumour.flagged),
    attack: rate((s) => s.attack.flagged),
    data_leak: rate((s) => s.data_leak.flagged),
  };
}

export interface StreamEval {
  traffic: { en: TrafficFigures; zh: TrafficFigures };
  recallAtTraffic: Record<string, number>;
  crossDataset: CrossDataset[];
  targets: Record<string, number>;
  pass: boolean;
}

/** Targets of the stream's view (issue 16): flag rates at most, recalls and AUCs at least. */
export const STREAM_TARGETS = {
  trafficAnyEn: 0.02,
  trafficAnyZh: 0.03,
  trafficOptimismGratitudeZh: 0.01,
  recall_davidson: 0.85,
  recall_olid: 0.6,
  recall_cold: 0.65,
  recall_weibo16: 0.6,
  recall_pheme: 0.45,
  crossAucEnAbuse: 0.8,
  crossAucZhAbuse: 0.75,
  crossAucRumour: 0.7,
} as const;

function crossTarget(c: CrossDataset): number {
  if (c.category === "rumour") return STREAM_TARGETS.crossAucRumour;
  return c.lang === "en" ? STREAM_TARGETS.crossAucEnAbuse : STREAM_TARGETS.crossAucZhAbuse;
}

export function evaluateStream(loaded: LoadedModels, dataDir: string, seed: number): StreamEval {
  const corpus = corpusOf(dataDir, seed);
  const scorer = new ModelScorer(loaded);
  const traffic = (set: string): TrafficFigures => {
    const examples = testSplit(corpus, set);
    const scores = scoreAll(scorer, examples);
    const out: TrafficFigures = {
      set: `${set} test (val where no test is published)`,
      n: examples.length,
      flagRate: flagRates(scores),
    };
    const happy = scores.filter((_, i) => examples[i]?.emotion === "optimism" || examples[i]?.emotion === "gratitude");
    if (happy.length > 0) out.optimismGratitude = { n: happy.length, any: flagRates(happy).any };
    return out;
  };
  const recallAtTraffic: Record<string, number> = {};
  for (const spec of Object.values<TaskSpec>(TASKS))
    for (const source of spec.sources) {
      if (source === "pheme") continue;
      const positives = testSplit(corpus, source).filter((ex) => isHarmful(source, ex.label) === 1);
      const scores = scoreAll(scorer, positives);
      recallAtTraffic[source] = r4(scores.filter((s) => s[spec.category].flagged).length / Math.max(scores.length, 1));
    }
  // Leave-one-event-out: each event scored by the recipe fitted without it, at that fold's threshold.
  recallAtTraffic.pheme = loaded.manifest.recipe?.phemeLoeo.recallAtTraffic ?? NaN;
  const crossDataset = loaded.manifest.recipe?.crossDataset ?? [];
  const t = STREAM_TARGETS;
  const result = { traffic: { en: traffic("ordinary-en"), zh: traffic("ordinary-zh") }, recallAtTraffic, crossDataset };
  const pass =
    result.traffic.en.flagRate.any <= t.trafficAnyEn &&
    result.traffic.zh.flagRate.any <= t.trafficAnyZh &&
    (result.traffic.zh.optimismGratitude?.any ?? 1) <= t.trafficOptimismGratitudeZh &&
    (["davidson", "olid", "cold", "weibo16", "pheme"] as const).every(
      (s) => (recallAtTraffic[s] ?? 0) >= t[`recall_${s}`],
    ) &&
    crossDataset.length === 8 &&
    crossDataset.every((c) => c.auc >= crossTarget(c));
  return { ...result, targets: { ...t }, pass };
}

/**
 * The features that push each model's fast stage hardest towards flagged, named by the text they
 * were read from in the test splits (a hashed feature has no name of its own): what a reader of
 * docs/scoring.md checks for sense.
 */
export function topFeatures(loaded: LoadedModels, dataDir: string, seed: number, k = 20): Record<string, string[]> {
  const corpus = corpusOf(dataDir, seed);
  const out: Record<string, string[]> = {};
  for (const [name, m] of Object.entries(loaded.models)) {
    const spec = TASKS[name as keyof typeof TASKS];
    const cfg = FEATURES[spec.lang];
    const sink = makeSink(cfg);
    const names = new Map<number, string>();
    for (const source of [...spec.sources, spec.ordinary])
      for (const ex of testSplit(corpus, source)) {
        extractFeatures(prepare(ex.text), cfg, sink);
        for (let i = 0; i < sink.n; i++) {
          const id = sink.ids[i] ?? 0;
          if (!names.has(id)) names.set(id, featureName(sink, i));
        }
      }
    const C = m.linear.classes;
    const dir = m.entry.fast.direction;
    const push = (id: number): number => {
      let v = 0;
      for (let c = 0; c < C; c++) v += (dir[c] ?? 0) * (m.linear.table[id * C + c] ?? 0);
      return v;
    };
    // A word and its prefixes carry one name: keep the name's strongest feature.
    const best = new Map<string, number>();
    for (const [id, n] of names) best.set(n, Math.max(best.get(n) ?? -Infinity, push(id)));
    out[name] = [...best.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n]) => n);
  }
  return out;
}
