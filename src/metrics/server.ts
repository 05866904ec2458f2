// GET /metrics of a worker or an API server, on its own port (see src/http/endpoint.ts).
import type { Registry } from "prom-client";
import { serveEndpoint, type Endpoint } from "../http/endpoint";
import type { Logger } from "../log";

export type MetricsServer = Endpoint;

export function serveMetrics(registry: Registry, host: string, port: number, log: Logger): Promise<MetricsServer> {
  return serveEndpoint({
    path: "/metrics",
    host,
    port,
    log,
    handle: (_req, res) => {
      void registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
        (err: unknown) => {
          log.error({ err }, "collecting metrics failed");
          res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
        },
      );
    },
  });
}
