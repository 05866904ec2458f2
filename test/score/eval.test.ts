// Quality floors for the committed models on the test splits: slightly below what
// they reach today (docs/scoring.md), so a regression in features, normalisation
// or weights fails here. Computed afresh, never read from the manifest.
import { beforeAll, describe, expect, it } from "vitest";
import { defaultDataDir } from "../../src/cli/score";
import type { ModelScorer } from "../../src/score/scorer";
import { type DatasetEval, evaluate, evaluateStream, type StreamEval } from "../../src/train/eval";
import { loadScorer } from "./helpers";

let results: Record<string, DatasetEval>;
let stream: StreamEval;
beforeAll(async () => {
  const scorer: ModelScorer = await loadScorer();
  results = evaluate(scorer.loaded, defaultDataDir(), scorer.loaded.manifest.seed);
  stream = evaluateStream(scorer.loaded, defaultDataDir(), scorer.loaded.manifest.seed);
}, 120_000);

const RECALL_FLOORS = { davidson: 0.85, cold: 0.65, weibo16: 0.75, twitter1516: 0.8 };

const metric = (set: string, name: string): number => {
  const r = results[set];
  if (!r) throw new Error(`no result for ${set}`);
  return r.metrics[name] ?? Number.NaN;
};

describe("test-split quality", () => {
  it("COLD accuracy ≥ 0.78 (BERT baseline 0.81)", () => {
    expect(metric("cold", "accuracy")).toBeGreaterThanOrEqual(0.78);
  });
  it("Davidson weighted F1 ≥ 0.86 and hate F1 ≥ 0.32 (baseline 0.90 / 0.51)", () => {
    expect(metric("davidson", "weightedF1")).toBeGreaterThanOrEqual(0.86);
    expect(metric("davidson", "hateF1")).toBeGreaterThanOrEqual(0.32);
  });
  it("no decision rule fitted to the test split beats the reported ceiling", () => {
    // The deployed threshold and offsets lie on the ceiling's grids, so the ceiling can only be higher.
    const cold = results.cold?.testTunedCeiling ?? {};
    const dav = results.davidson?.testTunedCeiling ?? {};
    expect(cold.accuracy).toBeGreaterThanOrEqual(metric("cold", "accuracy"));
    expect(dav.weightedF1).toBeGreaterThanOrEqual(metric("davidson", "weightedF1"));
    expect(dav.hateF1).toBeGreaterThanOrEqual(metric("davidson", "hateF1"));
  });
  it("Weibo-16 accuracy ≥ 0.87 from source text alone (target 0.88)", () => {
    expect(metric("weibo16", "accuracy")).toBeGreaterThanOrEqual(0.87);
  });
});

// The stream's view: the whole cascade with its cues, at the thresholds the stream uses, on the
// harmful test splits. Floors slightly below today's figures (docs/scoring.md).
describe("recall at the stream thresholds", () => {
  it.each([
    ["davidson", RECALL_FLOORS.davidson],
    ["cold", RECALL_FLOORS.cold],
    ["weibo16", RECALL_FLOORS.weibo16],
    ["twitter1516", RECALL_FLOORS.twitter1516],
  ])("%s ≥ %s", (set, floor) => {
    expect(stream.recallAtTraffic[set]).toBeGreaterThanOrEqual(floor);
  });
});
