// Real background text for drills and the demo: ordinary traffic (TweetEval tweets, Weibo posts)
// and the posts that the labelled data sets mark as harmless (COLD safe, Davidson "neither",
// Weibo-16 non-rumours), from their test splits only: no model was trained on them. Ordinary chatter from real platforms is far more varied than any template, and
// the models' false positives on it are exactly what a detector meets in production.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadCold, loadDavidson, loadWeibo } from "../train/data";
import { loadOrdinaryEn, loadOrdinaryZh } from "../train/sources";

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
    ...(existsSync(join(dataDir, "ordinary-zh")) ? loadOrdinaryZh(dataDir).test : []),
  ].map((e) => e.text);
  const en = [
    ...loadDavidson(dataDir, 42).test.filter((e) => e.label === 2),
    ...(existsSync(join(dataDir, "ordinary-en")) ? loadOrdinaryEn(dataDir, 42).test : []),
  ].map((e) =>
    e.text
      .replace(/@\w+/g, "@user")
      .replace(/https?:\/\/\S+/g, "")
      .trim(),
  );
  return { en: en.filter(Boolean), zh: zh.filter(Boolean) };
}
