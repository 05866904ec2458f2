// Both models of one language in one interleaved table, so each feature costs one
// cache-line fetch for both: the tables (1–4 MB) do not fit in cache, and the
// random lookups, not arithmetic, bound the fast path (measured with --cpu-prof).
// Explanations (top) read the same rows again, only for the categories they explain
// (see scorer.ts), while the rows are still cache-hot.
import type { FeatureSink } from "./features";
import type { LinearModel } from "./linear";

export class FusedPair {
  private readonly table: Float32Array;
  private readonly stride: number;
  private readonly ca: number;
  private readonly cb: number;
  /** Explanation direction per model, folded per bucket: one number per feature. */
  private readonly dirA: Float64Array;
  private readonly dirB: Float64Array;

  constructor(
    private readonly a: LinearModel,
    private readonly b: LinearModel,
    dirA: readonly number[],
    dirB: readonly number[],
  ) {
    this.ca = a.classes;
    this.cb = b.classes;
    this.stride = this.ca + this.cb;
    this.dirA = Float64Array.from({ length: this.ca }, (_, c) => dirA[c] ?? 0);
    this.dirB = Float64Array.from({ length: this.cb }, (_, c) => dirB[c] ?? 0);
    const buckets = a.table.length / this.ca;
    if (b.table.length / this.cb !== buckets) throw new Error("models of one language must share buckets");
    this.table = new Float32Array(buckets * this.stride);
    for (let h = 0; h < buckets; h++) {
      for (let c = 0; c < this.ca; c++) this.table[h * this.stride + c] = a.table[h * this.ca + c] ?? 0;
      for (let c = 0; c < this.cb; c++) this.table[h * this.stride + this.ca + c] = b.table[h * this.cb + c] ?? 0;
    }
  }

  /** Logits of both models (before activation) into `la`/`lb`. */
  run(sink: FeatureSink, weight: number, la: Float64Array, lb: Float64Array): void {
    const { table: t, stride: S, ca, cb } = this;
    const ids = sink.ids;
    const n = sink.n;
    // The two shapes in use get straight-line loops (one add per lookup, no inner loop).
    if (ca === 1 && cb === 1) {
      let a0 = 0,
        b0 = 0;
      for (let i = 0; i < n; i++) {
        const base = (ids[i] as number) << 1;
        a0 += t[base] as number;
        b0 += t[base + 1] as number;
      }
      la[0] = a0;
      lb[0] = b0;
    } else if (ca === 3 && cb === 1) {
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        b0 = 0;
      for (let i = 0; i < n; i++) {
        const base = (ids[i] as number) << 2;
        a0 += t[base] as number;
        a1 += t[base + 1] as number;
        a2 += t[base + 2] as number;
        b0 += t[base + 3] as number;
      }
      la[0] = a0;
      la[1] = a1;
      la[2] = a2;
      lb[0] = b0;
    } else {
      for (let c = 0; c < ca; c++) la[c] = 0;
      for (let c = 0; c < cb; c++) lb[c] = 0;
      for (let i = 0; i < n; i++) {
        const base = (ids[i] ?? 0) * S;
        for (let c = 0; c < ca; c++) la[c] = (la[c] ?? 0) + (t[base + c] ?? 0);
        for (let c = 0; c < cb; c++) lb[c] = (lb[c] ?? 0) + (t[base + ca + c] ?? 0);
      }
    }
    for (let c = 0; c < ca; c++) la[c] = (la[c] ?? 0) * weight + (this.a.bias[c] ?? 0);
    for (let c = 0; c < cb; c++) lb[c] = (lb[c] ?? 0) * weight + (this.b.bias[c] ?? 0);
  }

  /**
   * The features that push model `which` (0 = a, 1 = b) hardest along its explanation direction:
   * up to `k` (≤ sel.cap) distinct features with a positive contribution, strongest first, into
   * `sel`. One pass computes each occurrence's contribution from the (cache-hot) table row and
   * keeps the best so far. Every occurrence of a feature contributes the same amount (same row,
   * same weight), so a feature's total is its per-occurrence value times its count, counted in the
   * same pass: once a feature is out of the selection, the bar only rises, and it never returns.
   * Returns how many were selected.
   */
  top(sink: FeatureSink, weight: number, which: 0 | 1, k: number, sel: Selection): number {
    const { table: t, stride: S } = this;
    const off = which === 0 ? 0 : this.ca;
    const C = which === 0 ? this.ca : this.cb;
    const dir = which === 0 ? this.dirA : this.dirB;
    const d0 = dir[0] ?? 0,
      d1 = dir[1] ?? 0,
      d2 = dir[2] ?? 0;
    const { idx, val, count } = sel;
    const ids = sink.ids;
    const cap = Math.min(k, idx.length);
    let m = 0;
    for (let i = 0; i < sink.n; i++) {
      const id = ids[i] as number;
      const base = id * S + off;
      let v: number;
      if (C === 1) v = d0 * (t[base] as number);
      else if (C === 3) v = d0 * (t[base] as number) + d1 * (t[base + 1] as number) + d2 * (t[base + 2] as number);
      else {
        v = 0;
        for (let c = 0; c < C; c++) v += (dir[c] ?? 0) * (t[base + c] ?? 0);
      }
      if (v <= 0 || (m === cap && v < (val[cap - 1] as number))) continue;
      let seen = -1;
      for (let j = 0; j < m; j++) if (ids[idx[j] as number] === id) seen = j;
      if (seen >= 0) {
        count[seen] = (count[seen] as number) + 1;
        continue;
      }
      if (m === cap && v <= (val[cap - 1] as number)) continue; // a tie keeps the earlier feature
      let j = m === cap ? cap - 1 : m++;
      while (j > 0 && (val[j - 1] as number) < v) {
        val[j] = val[j - 1] as number;
        idx[j] = idx[j - 1] as number;
        count[j] = count[j - 1] as number;
        j--;
      }
      val[j] = v;
      idx[j] = i;
      count[j] = 1;
    }
    for (let j = 0; j < m; j++) val[j] = (val[j] as number) * weight;
    return m;
  }
}

/** Scratch for FusedPair.top: index of each selected feature's first occurrence, its
 * contribution per occurrence (logit units) and its occurrences. */
export interface Selection {
  idx: Int32Array;
  val: Float64Array;
  count: Int32Array;
}

export function makeSelection(cap: number): Selection {
  return { idx: new Int32Array(cap), val: new Float64Array(cap), count: new Int32Array(cap) };
}
