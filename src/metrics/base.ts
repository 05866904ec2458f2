// What every registry file of src/metrics shares: a fresh registry with the default process
// metrics, the histogram buckets, and bounded label values.
import { Registry, collectDefaultMetrics } from "prom-client";

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
export const SCORE_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

/** A fresh registry with prom-client's default process metrics (one per worker or API server). */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These three are gauges named like counters (promtool rejects them); each is the sum of the
  // per-type nodejs_active_{handles,requests,resources} gauges that stay.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"])
    registry.removeSingleMetric(name);
  return registry;
}

/** A code-chosen label value from a known list, or "other". */
export function known<T extends string>(values: readonly T[], v: string | undefined): T | "other" {
  return (values as readonly string[]).includes(v ?? "") ? (v as T) : "other";
}

/**
 * One run of `read` for all the callers that arrive while it runs: prom-client collects every
 * metric of a scrape at once, and several metrics share one Redis read.
 */
export function shared(read: () => Promise<void>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () =>
    (running ??= read()
      .catch(onError)
      .finally(() => (running = undefined)));
}
