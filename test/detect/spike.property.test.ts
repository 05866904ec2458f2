import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CATEGORIES } from "../../src/domain";
import { DEFAULT_PARAMS, binomialEvidence, detect, poissonEvidence } from "../../src/detect/spike";

const LEN = DEFAULT_PARAMS.baselineBuckets + DEFAULT_PARAMS.shortBuckets;
const category = fc.constantFrom(...CATEGORIES);

describe("spike detector", () => {
  it("a flat series never alarms", () => {
    fc.assert(
      fc.property(
        category,
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (c, level, authors, share) => {
          const flagged = Array<number>(LEN).fill(level);
          const v = detect({ category: c, flagged, posts: flagged, authors, streamShare: share });
          expect(v.spike).toBe(false);
        },
      ),
    );
  });

  it("a slowly growing series never alarms", () => {
    fc.assert(
      fc.property(
        category,
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        (c, start, growth, authors) => {
          const flagged = Array.from({ length: LEN }, (_, i) => Math.floor(start + growth * i));
          const v = detect({ category: c, flagged, posts: flagged, authors, streamShare: 0.05 });
          expect(v.spike).toBe(false);
        },
      ),
    );
  });

  it("a large burst of flagged posts from many authors always alarms, with its category as type", () => {
    fc.assert(
      fc.property(
        category,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 5, max: 10_000 }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (c, base, extra, authors, share) => {
          const flagged = Array<number>(LEN).fill(base);
          const burst = 10 * (base + 1) + extra;
          for (let i = LEN - DEFAULT_PARAMS.shortBuckets; i < LEN; i++) flagged[i] = burst;
          const v = detect({ category: c, flagged, posts: flagged, authors, streamShare: share });
          expect(v.spike, v.reason).toBe(true);
          expect(v.type).toBe(c);
        },
      ),
    );
  });

  it("more distinct authors never lowers the evidence or undoes a spike", () => {
    fc.assert(
      fc.property(
        category,
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: LEN, maxLength: LEN }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (c, flagged, a, more) => {
          const s = { category: c, flagged, posts: flagged.map((f) => f * 2), streamShare: 0.02 };
          const fewer = detect({ ...s, authors: a });
          const many = detect({ ...s, authors: a + more });
          expect(many.evidence).toBeGreaterThanOrEqual(fewer.evidence);
          if (fewer.spike && a > DEFAULT_PARAMS.soloAuthorMax) expect(many.spike).toBe(true);
        },
      ),
    );
  });

  it("a trending topic (many posts, the stream's usual flagged share) is not a spike", () => {
    const flagged = Array<number>(LEN).fill(0);
    const posts = Array<number>(LEN).fill(2);
    for (let i = LEN - 3; i < LEN; i++) {
      posts[i] = 2000;
      flagged[i] = 110;
    }
    const v = detect({ category: "abuse", flagged, posts, authors: 1500, streamShare: 0.05 });
    expect(v.spike).toBe(false);
    expect(v.reason).toMatch(/trend/);
  });

  it("one author spamming harmful posts is an attack, never a rumour", () => {
    const flagged = Array<number>(LEN).fill(0);
    for (let i = LEN - 3; i < LEN; i++) flagged[i] = 30;
    const v = detect({ category: "rumour", flagged, posts: flagged, authors: 1, streamShare: 0.01 });
    expect(v.spike).toBe(true);
    expect(v.type).toBe("attack");
    const crowd = detect({ category: "rumour", flagged, posts: flagged, authors: 60, streamShare: 0.01 });
    expect(crowd.type).toBe("rumour");
  });

  it("tail evidences match known values", () => {
    // P(Poisson(1) >= 5) = 0.00366; P(Bin(10, 0.5) >= 9) = 11/1024.
    expect(poissonEvidence(5, 1)).toBeCloseTo(-Math.log10(0.0036599), 3);
    expect(binomialEvidence(9, 10, 0.5)).toBeCloseTo(-Math.log10(11 / 1024), 6);
    expect(poissonEvidence(0, 3)).toBe(0);
  });
});
