// PHEME: leave-one-event-out cross-validation over the six two-class events
// (Zubiaga et al. 2017's protocol), then one model on all six for deployment.
import { FEATURES } from "../score/manifest";
import { type Example, PHEME_EVENTS, mulberry32 } from "./data";
import { encode } from "./encode";
import { classReport, threshold } from "./metrics";
import { predictAll } from "./model";
import { type Recipe, type TaskOptions, type Trained, trainBinary } from "./tasks";

export interface FoldResult {
  event: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  threshold: number;
}

export interface PhemeResult {
  folds: FoldResult[];
  /** Rumour-class F1 averaged over folds (macro over events). */
  macroF1: number;
  /** Rumour-class P/R/F1 over the pooled out-of-fold predictions (micro). */
  micro: { precision: number; recall: number; f1: number };
}

/** A seeded 15% of the training events' tweets picks epochs and the threshold. */
function holdOut(examples: readonly Example[], seed: number): { train: Example[]; dev: Example[] } {
  const rand = mulberry32(seed);
  const train: Example[] = [];
  const dev: Example[] = [];
  for (const ex of examples) (rand() < 0.15 ? dev : train).push(ex);
  return { train, dev };
}

export async function crossValidatePheme(
  all: readonly Example[],
  recipe: Recipe,
  opts: TaskOptions,
): Promise<PhemeResult> {
  const folds: FoldResult[] = [];
  const gold: number[] = [];
  const pred: number[] = [];
  for (const event of PHEME_EVENTS) {
    const { train, dev } = holdOut(
      all.filter((e) => e.event !== event),
      opts.seed,
    );
    const test = all.filter((e) => e.event === event);
    const trained = await trainBinary(`pheme -${event}`, "en", train, dev, recipe, "f1", opts);
    const enc = encode(test, FEATURES.en);
    const p = threshold(predictAll(trained.model, enc), trained.threshold);
    trained.model.dispose();
    folds.push({ event, ...classReport(enc.labels, p, 1), threshold: trained.threshold });
    gold.push(...enc.labels);
    pred.push(...p);
  }
  const pooled = classReport(gold, pred, 1);
  return {
    folds,
    macroF1: folds.reduce((s, f) => s + f.f1, 0) / folds.length,
    micro: { precision: pooled.precision, recall: pooled.recall, f1: pooled.f1 },
  };
}

/** The deployed model: all six events, threshold tuned on a seeded held-out 15%. */
export async function trainPhemeFinal(all: readonly Example[], recipe: Recipe, opts: TaskOptions): Promise<Trained> {
  const { train, dev } = holdOut(all, opts.seed);
  const trained = await trainBinary("pheme (all)", "en", train, dev, recipe, "f1", opts);
  return { model: trained.model, threshold: trained.threshold, training: trained.training };
}
