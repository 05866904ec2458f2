// `modstream run`: one worker until SIGTERM/SIGINT, then a clean stop (the current step either
// finishes and commits, or is abandoned uncommitted and replayed by whoever owns the partition next).
import type { Config } from "../config";
import type { Logger } from "../log";
import { startWorker, type Worker, type WorkerOptions } from "./main";
import { normalise } from "../normalise";
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
  // Listen before starting: a signal while the scorer loads or the clients connect (Node's default
  // would end the process there and then) stops the worker as soon as it has started. A second
  // signal of the same kind gets Node's default: the process ends at once.
  let signalled: (signal: string) => void = () => undefined;
  const asked = new Promise<string>((resolve) => (signalled = resolve));
  const onTerm = () => signalled("SIGTERM");
  const onInt = () => signalled("SIGINT");
  process.once("SIGTERM", onTerm);
  process.once("SIGINT", onInt);
  let worker: Worker | undefined;
  try {
    worker = await startWorker(cfg, log, {
      normalise,
      scorer: await loadDefaultScorer(log),
      health: healthEndpoint(cfg),
    });
    const signal = await asked;
    log.info({ signal }, "stopping worker");
    await worker.close();
  } catch (err) {
    if (!worker) throw err;
    log.error({ err }, "error while stopping");
  } finally {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
  }
}
