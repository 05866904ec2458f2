// The metrics worker extension: a registry per worker, fed by the worker's events, served on
// the configured port (pipelines/*.yaml `metrics`; port 0 or no section serves nothing).
import type { Extension, WorkerContext } from "./context";
import { ConsumerLag } from "../metrics/lag";
import { createMetrics, type Metrics, type MetricsSources } from "../metrics/registry";
import { serveMetrics } from "../metrics/server";
import { subscribeMetrics } from "../metrics/subscribe";

/** Consumer lag is read from Kafka at most this often, however often Prometheus scrapes. */
const LAG_TTL_MS = 5000;
/** A scrape waits this long for a fresh reading, then gets the last one (the read carries on). */
const LAG_TIMEOUT_MS = 500;

export interface RunningMetrics {
  metrics: Metrics;
  /** Bound port of /metrics, undefined when not serving. */
  port: number | undefined;
  close(): Promise<void>;
}

/** Starts metrics for one worker whatever the config says about serving them (tests read the registry). */
export async function startMetrics(
  ctx: WorkerContext,
  serve: { host: string; port: number } | undefined,
  openIncidents?: MetricsSources["openIncidents"],
) {
  const p = ctx.cfg.pipeline;
  const lag = new ConsumerLag({
    kafka: ctx.kafka,
    groupId: p.kafka.groupId,
    topics: p.kafka.topics,
    ttlMs: LAG_TTL_MS,
    timeoutMs: LAG_TIMEOUT_MS,
    log: ctx.log,
  });
  const metrics = createMetrics({
    consumerLag: () => lag.read(),
    // The lease is renewed every tick and lasts three; a recent tick means this worker holds it.
    // (Called on scrape only, after `sub` below exists.)
    detectorLeader: () => Date.now() - sub.lastDetectTick() < p.detect.tickMs * 3,
    openIncidents,
  });
  const sub = subscribeMetrics(ctx.events, metrics, p.kafka.topics);
  // Warm the cache (and the admin connection) so the first scrape already has the lag.
  void lag.read();
  const server = serve ? await serveMetrics(metrics.registry, serve.host, serve.port, ctx.log) : undefined;
  return {
    metrics,
    port: server?.port,
    async close() {
      await server?.close();
      sub.close();
      await lag.close();
      metrics.registry.clear();
    },
  } satisfies RunningMetrics;
}

/**
 * The metrics extension. `openIncidents`, given the worker's context, reads live incidents for
 * the incidents gauge; src/worker/extensions.ts wires it, so metrics/ never imports another stage.
 */
export function metricsExtensionWith(
  openIncidents?: (ctx: WorkerContext) => MetricsSources["openIncidents"],
): Extension {
  return async (ctx) => {
    const serve = ctx.cfg.pipeline.metrics;
    if (!serve || serve.port === 0) return { close: () => Promise.resolve() };
    return startMetrics(ctx, serve, openIncidents?.(ctx));
  };
}

export const metricsExtension: Extension = metricsExtensionWith();
