// The explanation selection (FusedPair.top) against a plain reference: distinct features ranked by
// their contribution per occurrence, the first occurrence winning ties, reported as that
// contribution times the feature's occurrences. Table values, directions and feature lists are
// random (fast-check); duplicates are frequent on purpose (few buckets).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeSink } from "../../src/score/features";
import { FusedPair, makeSelection } from "../../src/score/fused";
import { LinearModel } from "../../src/score/linear";

const BUCKETS = 16;

interface Picked {
  first: number;
  /** The row's contribution before the post's weight: what the ranking compares. */
  raw: number;
  count: number;
}

function reference(ids: number[], row: (id: number) => number, k: number): Picked[] {
  const byId = new Map<number, Picked>();
  ids.forEach((id, i) => {
    const p = byId.get(id);
    if (p) p.count++;
    else byId.set(id, { first: i, raw: row(id), count: 1 });
  });
  return [...byId.values()]
    .filter((p) => p.raw > 0)
    .sort((a, b) => b.raw - a.raw || a.first - b.first)
    .slice(0, k);
}

const weights = (n: number) => fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });

describe("explanation selection", () => {
  it.each([
    ["one class and one", 1, 1],
    ["three classes and one", 3, 1],
  ])("picks what the reference picks (%s)", (_, ca, cb) => {
    fc.assert(
      fc.property(
        weights(BUCKETS * ca),
        weights(BUCKETS * cb),
        weights(ca),
        weights(cb),
        fc.array(fc.integer({ min: 0, max: BUCKETS - 1 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom<0 | 1>(0, 1),
        (ta, tb, dirA, dirB, ids, k, which) => {
          const a = new LinearModel(Float32Array.from(ta), new Float32Array(ca), ca);
          const b = new LinearModel(Float32Array.from(tb), new Float32Array(cb), cb);
          const pair = new FusedPair(a, b, dirA, dirB);
          const sink = makeSink({ lang: "en", buckets: BUCKETS, maxFeatures: 64, charMin: 3, charMax: 4 });
          sink.ids.set(ids);
          sink.n = ids.length;
          const weight = ids.length > 0 ? 1 / Math.sqrt(ids.length) : 0;
          const sel = makeSelection(5);
          const m = pair.top(sink, weight, which, k, sel);

          const [table, dir, C] = which === 0 ? [a.table, dirA, ca] : [b.table, dirB, cb];
          const row = (id: number) => {
            let s = 0;
            for (let c = 0; c < C; c++) s += (dir[c] ?? 0) * (table[id * C + c] ?? 0);
            return s;
          };
          const want = reference(ids, row, k);
          expect(m).toBe(want.length);
          for (const [j, p] of want.entries()) {
            expect(sel.idx[j]).toBe(p.first);
            expect(sel.count[j]).toBe(p.count);
            expect(sel.val[j]).toBe(p.raw * weight);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
