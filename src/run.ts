// `modstream run`: one worker until SIGTERM/SIGINT, then a clean stop (the current step either
// finishes and commits, or is abandoned uncommitted and replayed by whoever owns the partition next).
import type { Config } from "./config";
import type { Logger } from "./log";
import { startWorker, type Worker, type WorkerOptions } from "./main";
import { normalise } from "./normalise";
import { loadDefaultScorer } from "./scoring";

/**
 * Where `modstream run` serves GET /healthz: next to /metrics, on the metrics port + 1 (9465 by
 * default), until the pipeline file has a setting of its own; no metrics port, no health endpoint.
 */
export function healthEndpoint(cfg: Config): WorkerOptions["health"] {
  const m = cfg.pipeline.metrics;
  return m && m.port > 0 && m.port < 65535 ? { host: m.host, port: m.port + 1 } : undefined;
}

export async function runWorkerUntilSignal(cfg: Config, log: Logger): Promise<void> {
  const worker: Worker = await startWorker(cfg, log, {
    normalise,
    scorer: await loadDefaultScorer(log),
    health: healthEndpoint(cfg),
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping worker");
      worker.close().then(resolve, (err: unknown) => {
        log.error({ err }, "error while stopping");
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
