// Both models of one language in one interleaved table, so each feature costs one
// cache-line fetch for both: the tables (1–4 MB) do not fit in cache, and the
// random lookups, not arithmetic, bound the fast path (measured with --cpu-prof).
// Per-feature contributions are not computed here: explanations ask for them only
// for the categories they explain (see scorer.ts), from rows that are then cache-hot.
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
   * Each feature's contribution to model `which` (0 = a, 1 = b) along its
   * explanation direction, in logit units, into `out[0..sink.n)`.
   */
  contributions(sink: FeatureSink, weight: number, which: 0 | 1, out: Float64Array): void {
    const { table: t, stride: S } = this;
    const off = which === 0 ? 0 : this.ca;
    const C = which === 0 ? this.ca : this.cb;
    const dir = which === 0 ? this.dirA : this.dirB;
    for (let i = 0; i < sink.n; i++) {
      const base = (sink.ids[i] ?? 0) * S + off;
      let s = 0;
      for (let c = 0; c < C; c++) s += (dir[c] ?? 0) * (t[base + c] ?? 0);
      out[i] = s * weight;
    }
  }
}
