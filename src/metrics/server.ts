// GET /metrics of a worker or an API server (node:http: one route needs no framework). A port
// another process on the host already holds is logged as an error and the process carries on:
// metrics are how it is watched, not part of what it does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../log";

export interface MetricsServer {
  /** The bound port, or undefined when the endpoint could not listen. */
  port: number | undefined;
  close(): Promise<void>;
}

export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
  log: Logger,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (err: unknown) => {
        log.error({ err }, "collecting metrics failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
      },
    );
  });
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once("error", (err) => {
      log.error({ err, host, port }, "metrics endpoint cannot listen; this process serves no /metrics");
      resolve(undefined);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  if (bound !== undefined) log.info({ host, port: bound }, "metrics endpoint listening on /metrics");
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
