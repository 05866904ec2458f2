// Chooses the scorer the worker runs: the trained models committed in models/.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log";
import { defaultModelsDir, ModelScorer, type Scorer } from "../score/scorer";

export async function loadDefaultScorer(log: Logger, dir = defaultModelsDir()): Promise<Scorer | undefined> {
  if (!existsSync(join(dir, "MANIFEST.json"))) {
    log.warn({ dir }, "no trained models found (run `modstream train`); posts are counted without scores");
    return undefined;
  }
  const t0 = performance.now();
  const scorer = await ModelScorer.load(dir);
  log.info({ dir, ms: Math.round(performance.now() - t0) }, "models loaded");
  return scorer;
}
