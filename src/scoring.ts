// Chooses the scorer the worker runs: the trained models in models/ when they are present.
import type { Logger } from "./log";
import type { Scorer } from "./pipeline";

export function loadDefaultScorer(log: Logger): Promise<Scorer | undefined> {
  log.warn("no scorer wired yet; posts are counted without scores");
  return Promise.resolve(undefined);
}
