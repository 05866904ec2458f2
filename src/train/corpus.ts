// Which sources each model learns from, how they are split, and the four model recipes.
import { mulberry32 } from "../random";
import type { ModelName } from "../score/manifest";
import { type Example, loadCold, loadDavidson, loadPheme, loadWeibo, PHEME_EVENTS, type Splits } from "./data";
import type { TaskData, TaskSpec } from "./recipe";
import { prepare } from "../score/prepare";
import { hasExplicitInsult } from "../score/rules";
import { loadOlid, loadOrdinaryEn, loadOrdinaryZh, loadSwsr, loadTwitter1516, loadWeibo21 } from "./sources";

const FAST = { epochs: 6, learningRate: 0.01, l2: 1e-5, batchSize: 128 };
const SECOND = { epochs: 4, learningRate: 0.01, l2: 1e-5, batchSize: 128, dim: 16, hidden: 32 };

/**
 * Flag-rate targets per model on ordinary traffic: together with the rule-only categories
 * they keep "any category" within 2% (en) and 3% (zh).
 */
export const TASKS: Readonly<Record<ModelName, TaskSpec>> = {
  "abuse-en": {
    name: "abuse-en",
    lang: "en",
    category: "abuse",
    classes: ["hate", "offensive", "neither"],
    direction: [0.5, 0.5, -1],
    sources: ["davidson", "olid"],
    ordinary: "ordinary-en",
    // OLID's mild offence ranks among ordinary chatter: 0.9% caught 0.25 of it, 1.8% 0.41. With the
    // wider insult cue and budget moved here from rumour-en, 2.5% catches 0.51 with "any" (both
    // English models) at 1.8% of ordinary tweets; 2.6% passes the 2% target (2.06%).
    flagRateTarget: 0.025,
    metric: "accuracy",
    fast: FAST,
    second: SECOND,
  },
  "rumour-en": {
    name: "rumour-en",
    lang: "en",
    category: "rumour",
    classes: ["rumour"],
    direction: [1],
    sources: ["pheme", "twitter1516"],
    ordinary: "ordinary-en",
    // 0.8% before; 0.3% keeps Twitter15/16's recall at 0.85 and PHEME's (leave one event out) at 0.67.
    flagRateTarget: 0.003,
    metric: "f1",
    fast: FAST,
    second: SECOND,
  },
  "abuse-zh": {
    name: "abuse-zh",
    lang: "zh",
    category: "abuse",
    classes: ["offensive"],
    direction: [1],
    sources: ["cold", "swsr"],
    ordinary: "ordinary-zh",
    // With the insult cue on, 1.75% left COLD's recall at 0.56 (target 0.65), with "any" at 2.3%
    // of 3%; the budget comes from rumour-zh, whose Weibo-16 recall has room (0.81, target 0.6).
    flagRateTarget: 0.022,
    metric: "accuracy",
    fast: FAST,
    second: SECOND,
  },
  "rumour-zh": {
    name: "rumour-zh",
    lang: "zh",
    category: "rumour",
    classes: ["rumour"],
    direction: [1],
    sources: ["weibo16", "weibo21"],
    ordinary: "ordinary-zh",
    flagRateTarget: 0.007,
    metric: "accuracy",
    fast: FAST,
    second: SECOND,
  },
};

/** Every labelled set by name, with train, dev and test. PHEME's test is empty (it is tested by LOEO). */
const loaded = new Map<string, Record<string, Splits>>();

/** loadCorpus, read once per data directory and seed (eval's three views share it; nothing mutates it). */
export function corpusOf(dataDir: string, seed: number): Record<string, Splits> {
  const key = `${dataDir}\0${seed}`;
  let c = loaded.get(key);
  if (!c) loaded.set(key, (c = loadCorpus(dataDir, seed)));
  return c;
}

export function loadCorpus(dataDir: string, seed: number): Record<string, Splits> {
  const pheme = loadPheme(dataDir);
  const rand = mulberry32(seed + 3);
  const phemeSplits: Splits = { train: [], dev: [], test: [] };
  for (const ex of pheme) (rand() < 0.15 ? phemeSplits.dev : phemeSplits.train).push(ex);
  return {
    davidson: loadDavidson(dataDir, seed),
    olid: loadOlid(dataDir, seed),
    cold: loadCold(dataDir),
    swsr: loadSwsr(dataDir),
    weibo16: loadWeibo(dataDir),
    weibo21: loadWeibo21(dataDir),
    pheme: phemeSplits,
    twitter1516: loadTwitter1516(dataDir),
    "ordinary-en": withoutExplicitInTrain(loadOrdinaryEn(dataDir, seed)),
    "ordinary-zh": withoutExplicitInTrain(loadOrdinaryZh(dataDir)),
  };
}

function withoutExplicitInTrain(s: Splits): Splits {
  return { ...s, train: s.train.filter((ex) => !hasExplicitInsult(prepare(ex.text))) };
}

/** Train and dev of a task's sources and its ordinary traffic, leaving out `without`. */
export function taskData(spec: TaskSpec, corpus: Record<string, Splits>, without?: string): TaskData {
  const data: TaskData = { train: {}, dev: {} };
  for (const name of [...spec.sources, spec.ordinary]) {
    if (name === without) continue;
    const s = corpus[name];
    if (!s) throw new Error(`no data set ${name}`);
    data.train[name] = s.train;
    data.dev[name] = s.dev;
  }
  return data;
}

/** PHEME's leave-one-event-out folds: train on four events, pick on the next, test on the held-out one. */
export function phemeFolds(
  spec: TaskSpec,
  corpus: Record<string, Splits>,
): { event: string; data: TaskData; test: Example[] }[] {
  const pheme = [...(corpus.pheme?.train ?? []), ...(corpus.pheme?.dev ?? [])];
  return PHEME_EVENTS.map((event, i) => {
    const devEvent = PHEME_EVENTS[(i + 1) % PHEME_EVENTS.length];
    const data = taskData(spec, corpus);
    data.train.pheme = pheme.filter((e) => e.event !== event && e.event !== devEvent);
    data.dev.pheme = pheme.filter((e) => e.event === devEvent);
    return { event, data, test: pheme.filter((e) => e.event === event) };
  });
}

/** A source's test examples; PHEME, which has none, is tested whole (every event unseen). */
export function testSplit(corpus: Record<string, Splits>, source: string): Example[] {
  const s = corpus[source];
  if (!s) throw new Error(`no data set ${source}`);
  return source === "pheme" ? [...s.train, ...s.dev] : s.test;
}
