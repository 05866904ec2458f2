// A Prometheus histogram for many observations per event: a step of 5,000 posts observes
// 20,000 scores, and prom-client's Histogram#observe (label validation and hashing on every
// call, ~1 µs) cost ~20 ms per step; a bound child here is one bucket search and three adds.
// It registers with a prom-client Registry and exports exactly what a prom-client Histogram does.
import type { Metric, Registry } from "prom-client";

/** What a prom-client Registry reads from a metric (its typings mis-declare `type` as a numeric enum). */
interface Exported {
  name: string;
  help: string;
  type: "histogram";
  aggregator: "sum";
  values: { labels: Record<string, string | number>; value: number; metricName: string }[];
}

interface Series<L extends string> {
  labels: Record<L, string>;
  /** Non-cumulative counts per bucket; the last one is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface BulkHistogramChild {
  observe(value: number): void;
}

export class BulkHistogram<L extends string> {
  readonly type = "histogram" as const;
  readonly aggregator = "sum" as const;
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series<L>>();

  constructor(o: { name: string; help: string; labelNames: readonly L[]; buckets: number[]; registers: Registry[] }) {
    this.name = o.name;
    this.help = o.help;
    this.bounds = [...o.buckets].sort((a, b) => a - b);
    for (const r of o.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set, created (at zero) if new; keep it and observe through it. */
  labels(labels: Record<L, string>): BulkHistogramChild {
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    const series = s;
    const bounds = this.bounds;
    return {
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++;
        series.counts[i] = (series.counts[i] ?? 0) + 1;
        series.sum += value;
        series.count++;
      },
    };
  }

  reset(): void {
    this.series.clear();
  }

  get(): Promise<Exported> {
    const values: Exported["values"] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i] ?? 0;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
