// Both models of one language in one interleaved table, so each feature costs one
// cache-line fetch for both: the tables (1–3 MB each) do not fit in cache, and the
// random lookups, not arithmetic, bound the fast path (measured with --cpu-prof).
import type { FeatureSink } from "./features";
import type { LinearModel } from "./linear";

export class FusedPair {
  private readonly table: Float32Array;
  private readonly stride: number;
  private readonly ca: number;
  private readonly cb: number;

  constructor(
    private readonly a: LinearModel,
    private readonly b: LinearModel,
    private readonly dirA: readonly number[],
    private readonly dirB: readonly number[],
  ) {
    this.ca = a.classes;
    this.cb = b.classes;
    this.stride = this.ca + this.cb;
    const buckets = a.table.length / this.ca;
    if (b.table.length / this.cb !== buckets) throw new Error("models of one language must share buckets");
    this.table = new Float32Array(buckets * this.stride);
    for (let h = 0; h < buckets; h++) {
      for (let c = 0; c < this.ca; c++) this.table[h * this.stride + c] = a.table[h * this.ca + c] ?? 0;
      for (let c = 0; c < this.cb; c++) this.table[h * this.stride + this.ca + c] = b.table[h * this.cb + c] ?? 0;
    }
  }

  /**
   * Logits of both models (before activation) into `la`/`lb`, and each feature's
   * contribution along the models' explanation directions into `xa`/`xb`.
   */
  run(sink: FeatureSink, weight: number, la: Float64Array, lb: Float64Array, xa: Float64Array, xb: Float64Array): void {
    const { table: t, stride: S, ca, cb, dirA, dirB } = this;
    for (let c = 0; c < ca; c++) la[c] = 0;
    for (let c = 0; c < cb; c++) lb[c] = 0;
    for (let i = 0; i < sink.n; i++) {
      const base = (sink.ids[i] ?? 0) * S;
      let sa = 0;
      for (let c = 0; c < ca; c++) {
        const v = t[base + c] ?? 0;
        la[c] = (la[c] ?? 0) + v;
        sa += (dirA[c] ?? 0) * v;
      }
      let sb = 0;
      for (let c = 0; c < cb; c++) {
        const v = t[base + ca + c] ?? 0;
        lb[c] = (lb[c] ?? 0) + v;
        sb += (dirB[c] ?? 0) * v;
      }
      xa[i] = sa * weight;
      xb[i] = sb * weight;
    }
    for (let c = 0; c < ca; c++) la[c] = (la[c] ?? 0) * weight + (this.a.bias[c] ?? 0);
    for (let c = 0; c < cb; c++) lb[c] = (lb[c] ?? 0) * weight + (this.b.bias[c] ?? 0);
  }
}
