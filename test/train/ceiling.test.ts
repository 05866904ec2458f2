// The test-tuned ceilings that `modstream eval` reports next to each deployed figure: the
// best any decision rule could do with the model's probabilities. Pure logic, small cases
// whose answer is worked out by hand.
import { describe, expect, it } from "vitest";
import { accuracyCeiling, davidsonCeiling } from "../../src/train/eval";
import { argmaxWithOffsets } from "../../src/train/tasks";
import { weightedF1 } from "../../src/train/metrics";

describe("accuracyCeiling", () => {
  it("finds the threshold that separates the classes when one exists", () => {
    // Positives all score ≥ 0.7, negatives ≤ 0.6: any threshold in (0.6, 0.7] is perfect.
    const c = accuracyCeiling([0.1, 0.6, 0.7, 0.9, 0.3], [0, 0, 1, 1, 0]);
    expect(c.accuracy).toBe(1);
    expect(c.threshold).toBeGreaterThan(0.6);
    expect(c.threshold).toBeLessThanOrEqual(0.7);
  });

  it("is capped by the ranking: a negative above a positive costs one post at every threshold", () => {
    const c = accuracyCeiling([0.2, 0.8, 0.4, 0.9], [0, 0, 1, 1]);
    expect(c.accuracy).toBe(0.75);
  });
});

describe("davidsonCeiling", () => {
  // Rows: P(hate), P(offensive), P(neither).
  const probs = Float32Array.from([
    0.4,
    0.5,
    0.1, // hate, under-called by argmax
    0.45,
    0.5,
    0.05, // hate, under-called by argmax
    0.1,
    0.8,
    0.1, // offensive
    0.05,
    0.9,
    0.05, // offensive
    0.1,
    0.5,
    0.4, // neither, under-called by argmax
  ]);
  const gold = [0, 0, 1, 1, 2];

  it("moves the offsets until every class is recovered, beating plain argmax", () => {
    const plain = weightedF1(gold, argmaxWithOffsets(probs, 3, [0, 0, 0]), 3);
    const c = davidsonCeiling(probs, gold, 0.51);
    expect(plain).toBeLessThan(1);
    expect(c.weightedF1).toBe(1);
    expect(c.hateF1).toBe(1);
    expect(c.weightedF1WithHateAboveTarget).toBe(1);
    expect(weightedF1(gold, argmaxWithOffsets(probs, 3, c.offsets), 3)).toBe(1);
  });

  it("reports 0 when no rule lifts hate F1 above the target", () => {
    // The hate post's hate/offensive ratio is below both offensive posts', so any rule
    // that catches it flags them too: precision 1/3, recall 1, hate F1 at most 0.5.
    const p = Float32Array.from([0.3, 0.7, 0, 0.4, 0.6, 0, 0.4, 0.6, 0]);
    const c = davidsonCeiling(p, [0, 1, 1], 0.51);
    expect(c.hateF1).toBeCloseTo(0.5, 6);
    expect(c.weightedF1WithHateAboveTarget).toBe(0);
  });
});
