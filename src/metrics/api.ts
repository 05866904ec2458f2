// The API server's metrics (`modstream serve`): request latency from a fastify onResponse hook,
// the review events of this server, and the review queues' figures and activity read on scrape.
// Served on the pipeline file's metrics port like a worker's, not on the API port: the API faces
// moderators (through a proxy), the metrics port stays on the monitoring network.
import type { FastifyInstance } from "fastify";
import type { Events } from "../events";
import type { Logger } from "../log";
import { createApiMetrics, type ApiMetrics, type ApiMetricsSources } from "./api-registry";
import { serveMetrics } from "./server";
import { subscribeReview } from "./subscribe";

export interface RunningApiMetrics {
  metrics: ApiMetrics | undefined;
  /** Bound port of /metrics, undefined when not serving. */
  port: number | undefined;
  close(): Promise<void>;
}

/**
 * The route label: API routes by pattern (`/api/items/:id/decision`), anything else by its first
 * path segment (the UI's files, `/docs`), `unmatched` for 404s: bounded by the code, never by
 * the URLs clients send.
 */
export function routeLabel(pattern: string | undefined): string {
  if (!pattern) return "unmatched";
  if (pattern.startsWith("/api/")) return pattern;
  return `/${pattern.split("/")[1] ?? ""}`;
}

/** Times every response (hijacked replies such as event streams are never "sent" and not timed). */
export function observeRequests(app: FastifyInstance, m: ApiMetrics): void {
  app.addHook("onResponse", (req, reply, done) => {
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
    m.httpRequestDuration
      .labels(req.method, routeLabel(req.routeOptions.url), statusClass)
      .observe(reply.elapsedTime / 1000);
    done();
  });
}

/**
 * Starts the API server's metrics, before it listens (the hook must be added before fastify is
 * ready). Port 0 or no metrics section serves nothing and times nothing.
 */
export async function startApiMetrics(o: {
  app: FastifyInstance;
  events: Events;
  sources: Omit<ApiMetricsSources, "onError">;
  serve: { host: string; port: number } | undefined;
  log: Logger;
}): Promise<RunningApiMetrics> {
  if (!o.serve || o.serve.port === 0) return { metrics: undefined, port: undefined, close: () => Promise.resolve() };
  const log = o.log.child({ component: "metrics" });
  let failing = false;
  const metrics = createApiMetrics({
    reviewFigures: async () => {
      const f = await o.sources.reviewFigures();
      if (failing) log.info("review figures readable again");
      failing = false;
      return f;
    },
    reviewActivity: o.sources.reviewActivity,
    onError: (err) => {
      if (!failing) log.warn({ err }, "cannot read the review queues; serving the last figures");
      failing = true;
    },
  });
  observeRequests(o.app, metrics);
  const unsubscribe = subscribeReview(o.events, metrics);
  // The first read marks the audit log's end: what happened before this server started is not counted.
  await o.sources.reviewActivity().catch((err: unknown) => log.warn({ err }, "cannot read the audit log yet"));
  const server = await serveMetrics(metrics.registry, o.serve.host, o.serve.port, o.log);
  return {
    metrics,
    port: server.port,
    async close() {
      await server.close();
      unsubscribe();
      metrics.registry.clear();
    },
  };
}
