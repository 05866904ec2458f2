// What models/ holds: the feature settings shared by training and scoring, and the
// shape of models/MANIFEST.json (decision thresholds, provenance, metrics).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { FeatureConfig, Lang } from "./features";

/** One feature space per language, so a post's features are extracted once for both its models. */
export const FEATURES: Readonly<Record<Lang, FeatureConfig>> = {
  en: { lang: "en", buckets: 1 << 18, maxFeatures: 384, charMin: 3, charMax: 4 },
  zh: { lang: "zh", buckets: 1 << 18, maxFeatures: 512, charMin: 1, charMax: 3 },
};

export const MODEL_NAMES = ["cold", "davidson", "weibo16", "pheme"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelEntry {
  name: ModelName;
  path: string;
  lang: Lang;
  category: "abuse" | "rumour";
  /** Output classes in order; one name means a sigmoid over the positive class. */
  classes: string[];
  /**
   * Decision rule chosen on held-out data. Binary: `threshold` on the positive
   * probability. Davidson: `offsets` added to the logits before argmax (3-class
   * metric), and `threshold` on 1 − P(neither) for the binary abuse flag.
   */
  threshold: number;
  offsets?: number[];
  /** Per-class coefficients giving the "towards flagged" logit for explanations. */
  direction: number[];
  data: { source: string; licence: string; split: string };
  training: Record<string, number | string>;
  weightBytes: number;
}

export interface Manifest {
  version: string;
  createdAt: string;
  seed: number;
  backend: string;
  features: Record<Lang, FeatureConfig>;
  models: Record<ModelName, ModelEntry>;
  /** Test-split metrics from `modstream eval` run right after training. */
  metrics?: unknown;
}

export function readManifest(modelsDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(modelsDir, "MANIFEST.json"), "utf8")) as Manifest;
}
