// `modstream run`: one worker until SIGTERM/SIGINT, then a clean stop (the current step either
// finishes and commits, or is abandoned uncommitted and replayed by whoever owns the partition next).
import type { Config } from "./config";
import type { Logger } from "./log";
import { startWorker, type Worker } from "./main";
import { normalise } from "./normalise";
import { loadDefaultScorer } from "./scoring";

export async function runWorkerUntilSignal(cfg: Config, log: Logger): Promise<void> {
  const worker: Worker = await startWorker(cfg, log, { normalise, scorer: await loadDefaultScorer(log) });
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
