// One read-only GET endpoint on its own small node:http server (a worker's /metrics and /healthz:
// one route each needs no framework). A port another process on the host already holds is logged
// as an error and the process carries on without the endpoint: it is how the process is watched,
// not part of what it does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log";

export interface Endpoint {
  /** The bound port, or undefined when the endpoint could not listen. */
  port: number | undefined;
  close(): Promise<void>;
}

export async function serveEndpoint(o: {
  path: string;
  host: string;
  port: number;
  log: Logger;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}): Promise<Endpoint> {
  const { path, host, port, log } = o;
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "/").split("?")[0] !== path) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: try GET ${path}\n`);
      return;
    }
    o.handle(req, res);
  });
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once("error", (err) => {
      log.error({ err, host, port }, `${path} cannot listen; this process serves none`);
      resolve(undefined);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  if (bound !== undefined) log.info({ host, port: bound }, `${path} listening`);
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
