// Real background text for drills and the demo: the posts that the labelled data sets mark as
// harmless (COLD safe, Davidson "neither", Weibo-16 and PHEME non-rumours), from their test
// splits only. Ordinary chatter from real platforms is far more varied than any template, and
// the models' false positives on it are exactly what a detector meets in production.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadCold, loadDavidson, loadPheme, loadWeibo } from "../train/data";

export interface Corpus {
  en: string[];
  zh: string[];
}

/** The harmless test-split texts under `dataDir`, or undefined when the data sets are absent. */
export function loadBenignCorpus(dataDir: string): Corpus | undefined {
  if (!existsSync(join(dataDir, "cold")) || !existsSync(join(dataDir, "davidson"))) return undefined;
  const zh = [
    ...loadCold(dataDir).test.filter((e) => e.label === 0),
    ...loadWeibo(dataDir).test.filter((e) => e.label === 0),
  ].map((e) => e.text);
  const en = [
    ...loadDavidson(dataDir, 42).test.filter((e) => e.label === 2),
    // PHEME has no split; its non-rumours serve as test data for the leave-one-event-out models.
    ...loadPheme(dataDir).filter((e) => e.label === 0),
  ].map((e) =>
    e.text
      .replace(/@\w+/g, "@user")
      .replace(/https?:\/\/\S+/g, "")
      .trim(),
  );
  return { en: en.filter(Boolean), zh: zh.filter(Boolean) };
}
