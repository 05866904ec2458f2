// The second source for each language and category, and the ordinary traffic, as labelled
// examples with their published (or SOURCE.md's hash) split. Sets with no dev split get a
// seeded slice of train; sets with no test split are tested on their official val split.
import { readFileSync } from "node:fs";
import path from "node:path";
import { mulberry32 } from "../random";
import type { Example, Splits } from "./data";

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const text = (r: Record<string, unknown>): string => (typeof r.text === "string" ? r.text : "");

/** train/val sets: a seeded 10% of train is dev, val is the test split. */
function trainValSplits(rows: Record<string, unknown>[], label: (r: Record<string, unknown>) => number, seed: number) {
  const out: Splits = { train: [], dev: [], test: [] };
  const rand = mulberry32(seed);
  for (const r of rows) {
    const ex: Example = { text: text(r), label: label(r) };
    if (r.split === "val") out.test.push(ex);
    else (rand() < 0.1 ? out.dev : out.train).push(ex);
  }
  return out;
}

function publishedSplits(
  rows: Record<string, unknown>[],
  label: (r: Record<string, unknown>) => number,
  devName = "dev",
  extra?: (r: Record<string, unknown>, ex: Example) => void,
): Splits {
  const out: Splits = { train: [], dev: [], test: [] };
  for (const r of rows) {
    const ex: Example = { text: text(r), label: label(r) };
    extra?.(r, ex);
    if (r.split === "train") out.train.push(ex);
    else if (r.split === devName) out.dev.push(ex);
    else if (r.split === "test") out.test.push(ex);
  }
  return out;
}

/** OLID via TweetEval: 1 = offensive. Its 860-tweet test set is not shipped, so val is the test. */
export function loadOlid(dataDir: string, seed: number): Splits {
  return trainValSplits(
    jsonl(path.join(dataDir, "olid", "olid_tweeteval_train_val.jsonl")),
    (r) => Number(r.label),
    seed,
  );
}

/** SWSR sexist comments from Weibo: 1 = sexist (narrower than abuse in general). */
export function loadSwsr(dataDir: string): Splits {
  return publishedSplits(jsonl(path.join(dataDir, "swsr", "swsr_comments.jsonl")), (r) => Number(r.label));
}

/** Twitter15/16 source tweets: every veracity label but non-rumor is a rumour (1). */
export function loadTwitter1516(dataDir: string): Splits {
  return publishedSplits(jsonl(path.join(dataDir, "twitter1516", "twitter1516_source_tweets.jsonl")), (r) =>
    r.label === "non-rumor" ? 0 : 1,
  );
}

/** Weibo21 without its Weibo16 overlap: 1 = fake; the official val is the dev split. */
export function loadWeibo21(dataDir: string): Splits {
  return publishedSplits(jsonl(path.join(dataDir, "weibo21", "weibo21.jsonl")), (r) => Number(r.label), "val");
}

/**
 * Ordinary English tweets (TweetEval emoji): all label 0, mostly (not wholly) benign. Train fits;
 * the official val is split in two (seeded): dev picks thresholds, test measures them. Val was
 * sampled apart from train and flags about twice as often, so a dev slice of train would pick
 * thresholds that do not hold on it.
 */
export function loadOrdinaryEn(dataDir: string, seed: number): Splits {
  const out: Splits = { train: [], dev: [], test: [] };
  const rand = mulberry32(seed + 7);
  for (const r of jsonl(path.join(dataDir, "ordinary-en", "tweeteval_emoji_train_val.jsonl"))) {
    const ex: Example = { text: text(r), label: 0 };
    if (r.split === "val") (rand() < 0.5 ? out.dev : out.test).push(ex);
    else out.train.push(ex);
  }
  return out;
}

/**
 * Ordinary Weibo posts (COVID-era emotions): all label 0, each distinct text once (slogans
 * repeat 40+ times). `emotion` keeps the label name, so eval can report optimism/gratitude apart.
 */
export function loadOrdinaryZh(dataDir: string): Splits {
  const seen = new Set<string>();
  const rows = jsonl(path.join(dataDir, "ordinary-zh", "covid_weibo_emotion.jsonl")).filter((r) => {
    const t = text(r).trim();
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  });
  return publishedSplits(
    rows,
    () => 0,
    "dev",
    (r, ex) => {
      ex.emotion = typeof r.label_name === "string" ? r.label_name : undefined;
    },
  );
}
