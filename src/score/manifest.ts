// What models/ holds: the feature settings shared by training and scoring, and the
// shape of models/MANIFEST.json (decision thresholds, provenance, metrics).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { FeatureConfig, Lang } from "./features";

/** One feature space per language, so a post's features are extracted once for both its models. */
export const FEATURES: Readonly<Record<Lang, FeatureConfig>> = {
  en: { lang: "en", buckets: 1 << 18, maxFeatures: 384, charMin: 4, charMax: 5 },
  zh: { lang: "zh", buckets: 1 << 18, maxFeatures: 512, charMin: 1, charMax: 3 },
};

/** One model per language and category, each trained on every source of that pair plus ordinary traffic. */
export const MODEL_NAMES = ["abuse-en", "rumour-en", "abuse-zh", "rumour-zh"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The second stage's feature space: the first stage's ids modulo this many buckets. */
export const SECOND_STAGE_BUCKETS = 1 << 15;

export interface ModelEntry {
  name: ModelName;
  lang: Lang;
  category: "abuse" | "rumour";
  /** The fast first stage (hashed linear, on every post). */
  fast: {
    path: string;
    /** Output classes in order; one name means a sigmoid over the positive class. */
    classes: string[];
    /** Per-class coefficients giving the "towards flagged" logit for explanations. */
    direction: number[];
    /** abuse-en: log-probability offsets for the 3-class (hate/offensive/neither) metric. */
    offsets?: number[];
    weightBytes: number;
  };
  /** The second stage (hashed MLP), run only on posts whose fast score reaches escalateAt. */
  second: { path: string; dim: number; hidden: number; weightBytes: number };
  /**
   * The fast stage's decision threshold for its primary source's balanced test set (the
   * in-domain figures of `modstream eval`); never used on the stream.
   */
  threshold: number;
  /**
   * Fast-stage score from which the second stage makes the call. Above 1 (NO_SECOND_STAGE): the
   * second stage did not rank the escalated dev posts better than the first, so it is off.
   */
  escalateAt: number;
  /**
   * The stream's operating threshold on the final score, chosen on the ordinary traffic's dev
   * split for at most `flagRateTarget` of ordinary posts flagged. `scoring.flagAt` overrides it.
   */
  flagAt: number;
  flagRateTarget: number;
  data: { sources: string[]; split: string };
  training: Record<string, number | string>;
}

export interface CrossDataset {
  lang: Lang;
  category: "abuse" | "rumour";
  trainedOn: string;
  testedOn: string;
  auc: number;
  n: number;
}

export interface RecipeFigures {
  crossDataset: CrossDataset[];
  /** PHEME leave-one-event-out: each event scored by the recipe fitted without it. */
  phemeLoeo: {
    rumourF1Micro: number;
    rumourF1MacroOverFolds: number;
    rumourPrecisionMicro: number;
    rumourRecallMicro: number;
    /** Recall at each fold's own stream threshold (flagAt), pooled. */
    recallAtTraffic: number;
    folds: { event: string; f1: number; recallAtTraffic: number; support: number }[];
  };
}

export interface Manifest {
  version: string;
  createdAt: string;
  seed: number;
  backend: string;
  features: Record<Lang, FeatureConfig>;
  models: Record<ModelName, ModelEntry>;
  /** What only training can measure: recipes refitted without a source (see src/train/recipe.ts). */
  recipe?: RecipeFigures;
  /** Test-split metrics from `modstream eval` run right after training. */
  metrics?: unknown;
}

export function readManifest(modelsDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(modelsDir, "MANIFEST.json"), "utf8")) as Manifest;
}
