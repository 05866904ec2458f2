// The recipe of one model (a language and a category): fit the fast stage and the second
// stage on every source of that pair plus ordinary traffic, then choose on the dev splits the
// in-domain threshold, the escalation bar and the stream's operating threshold. Test splits
// are never seen here. The same function refits without a source for the cross-data-set
// figures and without a PHEME event for leave-one-event-out, so every figure is of this recipe.
import type * as tf from "@tensorflow/tfjs";
import { cascadeScore, fastProbability, logit, NO_SECOND_STAGE, withCues } from "../score/cascade";
import { extractFeatures, type Lang, makeSink } from "../score/features";
import { LinearModel } from "../score/linear";
import { FEATURES, type ModelName, SECOND_STAGE_BUCKETS } from "../score/manifest";
import { Mlp } from "../score/mlp";
import { prepare } from "../score/prepare";
import { cueLogOdds, insultSignals, urgencySignals } from "../score/rules";
import type { Example } from "./data";
import { encode, featureWeight, subset } from "./encode";
import { fit } from "./fit";
import { accuracy, auc, bestThreshold, classReport, quantile, threshold } from "./metrics";
import { buildMlp } from "./model";
import { bestOffsets } from "./tasks";

export interface Stage {
  epochs: number;
  learningRate: number;
  l2: number;
  batchSize: number;
}

export interface TaskSpec {
  name: ModelName;
  lang: Lang;
  category: "abuse" | "rumour";
  /** The fast stage's classes; abuse-en keeps Davidson's three (hate, offensive, neither). */
  classes: string[];
  direction: number[];
  /** The harmful sources; the first is the primary one (in-domain threshold and figures). */
  sources: string[];
  ordinary: string;
  /** Largest share of ordinary posts this model may flag (before the other categories add theirs). */
  flagRateTarget: number;
  /** In-domain metric of the primary source, which picks `threshold`. */
  metric: "accuracy" | "f1";
  fast: Stage;
  second: Stage & { dim: number; hidden: number };
}

/** A task's examples by source; labels are binary (1 harmful) except Davidson's three classes. */
export interface TaskData {
  train: Record<string, Example[]>;
  dev: Record<string, Example[]>;
}

export interface TrainedTask {
  fast: tf.LayersModel;
  second: tf.LayersModel;
  offsets?: number[];
  threshold: number;
  escalateAt: number;
  flagAt: number;
  /** Scores texts as the stream will: the final score with rule hints. */
  score: (examples: readonly Example[]) => { fast: Float64Array; final: Float64Array };
  training: Record<string, number | string>;
}

/** Harmful or not, whatever the source's classes: Davidson's "neither" (2) is the only benign class there. */
export function isHarmful(source: string, label: number): number {
  return source === "davidson" ? (label === 2 ? 0 : 1) : label;
}

/** The fast stage's label: three classes for abuse-en (other sources' harm counts as offensive). */
function fastLabel(spec: TaskSpec, source: string, label: number): number {
  if (spec.classes.length === 1 || source === "davidson") return label;
  return label === 1 ? 1 : 2;
}

function flatten(spec: TaskSpec, bySource: Record<string, Example[]>): Example[] {
  const out: Example[] = [];
  for (const [source, examples] of Object.entries(bySource))
    for (const ex of examples) out.push({ ...ex, source, label: fastLabel(spec, source, ex.label) });
  return out;
}

/** Loss weights n / (C·n_c): every class weighs the same in total. */
function balanced(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts.map((c) => labels.length / (classes * Math.max(c, 1)));
}

/** The fast stage's P(flagged) of each example, through the production arithmetic. */
function fastScorer(spec: TaskSpec, linear: LinearModel): (examples: readonly Example[]) => Float64Array {
  const cfg = FEATURES[spec.lang];
  const sink = makeSink(cfg);
  const logits = new Float64Array(linear.classes);
  return (examples) =>
    Float64Array.from(examples, (ex) => {
      extractFeatures(prepare(ex.text), cfg, sink);
      linear.logits(sink, featureWeight(sink.n), logits);
      linear.activate(logits);
      return fastProbability(linear, logits);
    });
}

/** Stage scores of examples through the production arithmetic (LinearModel, Mlp). */
function scorer(spec: TaskSpec, linear: LinearModel, mlp: Mlp, escalateAt: number) {
  const cfg = FEATURES[spec.lang];
  const sink = makeSink(cfg);
  const logits = new Float64Array(linear.classes);
  return (examples: readonly Example[]): { fast: Float64Array; second: Float64Array; final: Float64Array } => {
    const out = {
      fast: new Float64Array(examples.length),
      second: new Float64Array(examples.length),
      final: new Float64Array(examples.length),
    };
    examples.forEach((ex, i) => {
      const text = prepare(ex.text);
      extractFeatures(text, cfg, sink);
      const w = featureWeight(sink.n);
      linear.logits(sink, w, logits);
      linear.activate(logits);
      const fast = fastProbability(linear, logits);
      const second = mlp.prob(sink, w, logit(fast));
      const cues = cueLogOdds(spec.category === "rumour" ? urgencySignals(text) : insultSignals(text));
      out.fast[i] = fast;
      out.second[i] = second;
      out.final[i] = withCues(
        cascadeScore(fast, escalateAt, () => second),
        cues,
      );
    });
    return out;
  };
}

const round2 = (x: number): number => Math.floor(x * 100) / 100;

/**
 * The stream threshold: the lowest of 0.99, 0.98, … 0.15 at which ordinary dev posts are flagged
 * at most 80% as often as `target` allows (a margin, as the test split and traffic will differ).
 */
export function chooseFlagAt(ordinaryFinal: Float64Array, target: number): number {
  let flagAt = 0.99;
  for (let t = 0.99; t >= 0.15 - 1e-9; t -= 0.01) {
    const rate = ordinaryFinal.filter((x) => x >= t).length / Math.max(ordinaryFinal.length, 1);
    if (rate > target * 0.8) break;
    flagAt = Math.round(t * 100) / 100;
  }
  return flagAt;
}

/**
 * The stream threshold of a trained model chosen again for its spec's flag-rate target, on the
 * same ordinary dev posts and through the same arithmetic as training: `train --thresholds-only`,
 * for a new target without refitting.
 */
export function rechooseFlagAt(
  spec: TaskSpec,
  linear: LinearModel,
  mlp: Mlp,
  escalateAt: number,
  ordinaryDev: readonly Example[],
): number {
  return chooseFlagAt(scorer(spec, linear, mlp, escalateAt)(ordinaryDev).final, spec.flagRateTarget);
}

export async function trainTask(
  spec: TaskSpec,
  data: TaskData,
  opts: { seed: number; progress: boolean; label?: string },
): Promise<TrainedTask> {
  const cfg = FEATURES[spec.lang];
  const name = opts.label ?? spec.name;
  const train = flatten(spec, data.train);
  const dev = flatten(spec, data.dev);
  const C = spec.classes.length;
  // After fastLabel, "neither" (2) is the only benign class of a three-class task.
  const harmful = (l: number): number => (C === 3 ? (l === 2 ? 0 : 1) : l);
  const devBinary = Int32Array.from(dev, (ex) => harmful(ex.label));
  const tr = encode(train, cfg);
  const dv = encode(dev, cfg);
  const fastProbOf = (p: Float32Array): Float32Array =>
    C === 1 ? p : Float32Array.from({ length: p.length / C }, (_, i) => 1 - (p[i * C + 2] ?? 0));

  const t0 = performance.now();
  const fast = await fit(tr, dv, {
    shape: { buckets: cfg.buckets, width: cfg.maxFeatures, classes: C, l2: spec.fast.l2 },
    ...spec.fast,
    classWeight: C === 1 ? balanced(tr.labels, 2) : [3, 1, 1],
    seed: opts.seed,
    name: `${name} fast`,
    progress: opts.progress,
    select: (p) => auc(fastProbOf(p), devBinary),
  });

  const t1 = performance.now();
  const linear = LinearModel.fromLayers(fast.model);
  const fastOf = fastScorer(spec, linear);
  const trainFast = fastOf(train);
  const devFast = fastOf(dev);

  // Escalate the top of ordinary traffic and nearly every harmful post.
  const ordinaryRows = dev.flatMap((ex, i) => (ex.source === spec.ordinary ? [i] : []));
  const harmfulRows = dev.flatMap((ex, i) => (ex.source !== spec.ordinary && devBinary[i] === 1 ? [i] : []));
  const bar = round2(
    Math.min(
      quantile(
        Float64Array.from(ordinaryRows, (i) => devFast[i] ?? 0),
        0.92,
      ),
      quantile(
        Float64Array.from(harmfulRows, (i) => devFast[i] ?? 0),
        0.05,
      ),
    ),
  );

  // The second stage learns the posts the first one escalates: on train, with a looser bar,
  // since the first stage has seen those posts and scores them more confidently than new ones.
  const trainLabels = Int32Array.from(train, (ex) => harmful(ex.label));
  const trRows = train.flatMap((_, i) => ((trainFast[i] ?? 0) >= bar / 2 ? [i] : []));
  const dvRows = dev.flatMap((_, i) => ((devFast[i] ?? 0) >= bar ? [i] : []));
  const prior = (p: Float64Array): Float32Array => Float32Array.from(p, logit);
  const trHard = subset({ ...tr, labels: trainLabels, prior: prior(trainFast) }, trRows, SECOND_STAGE_BUCKETS);
  const dvHard = subset({ ...dv, labels: devBinary, prior: prior(devFast) }, dvRows, SECOND_STAGE_BUCKETS);
  const mlpShape = { buckets: SECOND_STAGE_BUCKETS, width: cfg.maxFeatures, ...spec.second };
  const second = await fit(trHard, dvHard, {
    shape: { ...mlpShape, classes: 1 },
    build: () => buildMlp(mlpShape, opts.seed),
    ...spec.second,
    classWeight: balanced(trHard.labels, 2),
    seed: opts.seed + 1,
    name: `${name} second`,
    progress: opts.progress,
    select: (p) => auc(p, dvHard.labels),
  });
  const t2 = performance.now();
  // The second stage makes the call only where it ranks the escalated dev posts better than the
  // first stage does; otherwise the model is the fast stage alone.
  const fastHardAuc = auc(
    Float64Array.from(dvRows, (i) => devFast[i] ?? 0),
    dvHard.labels,
  );
  const escalateAt = second.devScore > fastHardAuc + 0.002 ? bar : NO_SECOND_STAGE;
  const mlp = Mlp.fromLayers(second.model);
  const run = scorer(spec, linear, mlp, escalateAt);
  const all = run(dev);

  // The primary source's own decision rule, for the in-domain (balanced test set) figures.
  const primary = spec.sources[0] ?? "";
  const rows = dev.flatMap((ex, i) => (ex.source === primary ? [i] : []));
  const primaryGold = Int32Array.from(rows, (i) => devBinary[i] ?? 0);
  const primaryFast = Float32Array.from(rows, (i) => all.fast[i] ?? 0);
  const metric = (g: ArrayLike<number>, p: Int32Array): number =>
    spec.metric === "accuracy" ? accuracy(g, p) : classReport(g, p, 1).f1;
  const inDomain = bestThreshold(primaryFast, primaryGold, metric);
  let offsets: number[] | undefined;
  if (C === 3) {
    const probs = fast.devProbs;
    const davRows = rows;
    const davProbs = new Float32Array(davRows.length * 3);
    davRows.forEach((r, k) => davProbs.set(probs.subarray(r * 3, r * 3 + 3), k * 3));
    offsets = bestOffsets(
      davProbs,
      Int32Array.from(davRows, (r) => dev[r]?.label ?? 0),
    ).offsets;
  }

  const final = all.final;
  const flagAt = chooseFlagAt(
    Float64Array.from(ordinaryRows, (i) => final[i] ?? 0),
    spec.flagRateTarget,
  );
  const devRecall = harmfulRows.filter((i) => (final[i] ?? 0) >= flagAt).length / Math.max(harmfulRows.length, 1);
  return {
    fast: fast.model,
    second: second.model,
    offsets,
    threshold: inDomain,
    escalateAt,
    flagAt,
    score: (examples) => {
      const r = run(examples);
      return { fast: r.fast, final: r.final };
    },
    training: {
      fastSeconds: Math.round((t1 - t0) / 1000),
      secondSeconds: Math.round((t2 - t1) / 1000),
      fastEpochs: fast.epoch,
      fastDevAuc: fast.devScore,
      secondEpochs: second.epoch,
      secondDevAuc: second.devScore,
      finalDevAuc: auc(final, devBinary),
      [`dev_${spec.metric}_${primary}`]: metric(primaryGold, threshold(primaryFast, inDomain)),
      devRecallAtFlag: devRecall,
      devOrdinaryEscalated:
        ordinaryRows.filter((i) => (devFast[i] ?? 0) >= escalateAt).length / Math.max(ordinaryRows.length, 1),
      devFastAucEscalated: auc(
        Float64Array.from(dvRows, (i) => devFast[i] ?? 0),
        dvHard.labels,
      ),
      devSecondAucEscalated: second.devScore,
      secondTrainSize: trRows.length,
      trainSize: train.length,
      devSize: dev.length,
    },
  };
}
