// Loaders for the labelled data sets in ../shared/data, keeping each source's published split.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { mulberry32 } from "../random";

export interface Example {
  text: string;
  /** Class index: 0/1 for binary sets; Davidson 0 hate, 1 offensive, 2 neither. */
  label: number;
  /** PHEME only: the news event, for leave-one-event-out folds. */
  event?: string;
  /** Which data set it came from, once sets are pooled for training. */
  source?: string;
  /** ordinary-zh only: the emotion it was labelled with (optimism, gratitude, anger, ...). */
  emotion?: string;
}
export interface Splits {
  train: Example[];
  dev: Example[];
  test: Example[];
}

function csvRows(file: string): Record<string, string>[] {
  // bom: COLD's files start with a UTF-8 byte-order mark.
  return parse<Record<string, string>>(readFileSync(file), { columns: true, bom: true, skip_empty_lines: true });
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** COLD: the official train/dev/test files; label 1 = offensive. */
export function loadCold(dataDir: string): Splits {
  const load = (name: string): Example[] =>
    csvRows(path.join(dataDir, "cold", `${name}.csv`)).map((r) => ({ text: r.TEXT ?? "", label: Number(r.label) }));
  return { train: load("train"), dev: load("dev"), test: load("test") };
}

/**
 * Davidson: split_davidson_nb_rs42.csv reproduces the notebook's 90/10 split. It
 * has no dev split, so a seeded 10% of train is held out for thresholds and epochs.
 */
export function loadDavidson(dataDir: string, seed: number): Splits {
  const dir = path.join(dataDir, "davidson");
  const split = new Map(csvRows(path.join(dir, "split_davidson_nb_rs42.csv")).map((r) => [r.row_id, r.split]));
  const out: Splits = { train: [], dev: [], test: [] };
  const rand = mulberry32(seed);
  for (const r of csvRows(path.join(dir, "labeled_data.csv"))) {
    const ex = { text: r.tweet ?? "", label: Number(r.class) };
    const s = split.get(r[""] ?? "");
    if (s === "test") out.test.push(ex);
    else if (s === "train") (rand() < 0.1 ? out.dev : out.train).push(ex);
    else throw new Error(`davidson row ${r[""]} has no split`);
  }
  return out;
}

/** Weibo-16: the split column (md5(text) % 10: 0–6 train, 7 dev, 8–9 test); label 1 = rumour. */
export function loadWeibo(dataDir: string): Splits {
  const out: Splits = { train: [], dev: [], test: [] };
  for (const r of jsonl(path.join(dataDir, "weibo16", "weibo16_source_posts.jsonl"))) {
    const ex: Example = {
      text: typeof r.text === "string" ? r.text : "",
      label: Number(r.label),
    };
    const s = r.split;
    if (s === "train" || s === "dev" || s === "test") out[s].push(ex);
  }
  return out;
}

/** The PHEME events that have both classes; the rest are (nearly) one-class. */
export const PHEME_EVENTS = [
  "ferguson",
  "germanwings-crash",
  "gurlitt",
  "ottawashooting",
  "putinmissing",
  "sydneysiege",
] as const;

/** PHEME source tweets of the six two-class events; label 1 = rumour. */
export function loadPheme(dataDir: string): Example[] {
  const keep = new Set<string>(PHEME_EVENTS);
  return jsonl(path.join(dataDir, "pheme", "pheme_source_tweets.jsonl"))
    .filter((r) => keep.has(String(r.event)))
    .map((r) => ({
      text: typeof r.text === "string" ? r.text : "",
      label: Number(r.is_rumour),
      event: String(r.event),
    }));
}
