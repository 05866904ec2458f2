// Scoring throughput on one core: the fast path (normalise + rules + typed-array
// models + explanations) against tf.predict on the same posts, in the same run.
// Usage: npx tsx bench/score.ts [--json]
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Post } from "../src/domain";
import { defaultDataDir } from "../src/cli/score";
import { predictReference } from "../src/score/reference";
import { ModelScorer } from "../src/score/scorer";
import { extractFeatures, type Lang, makeSink } from "../src/score/features";
import { expandInsults } from "../src/score/lexicon";
import { FEATURES } from "../src/score/manifest";
import { routeLang } from "../src/score/prepare";
import { attackSignals, dataLeakSignals, urgencySignals } from "../src/score/rules";
import { normalise } from "../src/normalise";
import { loadCold, loadDavidson, loadPheme, loadWeibo } from "../src/train/data";
import { loadOrdinaryEn, loadOrdinaryZh } from "../src/train/sources";

export interface BenchOptions {
  /** Minimum seconds per measurement. */
  seconds?: number;
  dataDir?: string;
  batchSize?: number;
}

export interface BenchResult {
  posts: number;
  meanChars: number;
  zhShare: number;
  backend: string;
  fastPostsPerSec: number;
  tfPostsPerSec: number;
  ratio: number;
  normaliseOnlyPostsPerSec: number;
  /** The same three measurements per second of CPU time (see Rate.cpu). */
  fastPostsPerCpuSec: number;
  tfPostsPerCpuSec: number;
  normaliseOnlyPostsPerCpuSec: number;
  /**
   * Where a post's time goes: µs per post of each stage run alone over all posts, in the
   * order the fast path runs them. Alone, each stage has the caches to itself, so the sum
   * is a floor: the whole path (last entry) costs more.
   */
  stagesMicros: Record<string, number>;
  /**
   * The cascade on traffic-like posts (ordinary test posts, 5% harmful ones mixed in): the whole
   * path against the fast stage alone, measured in alternating rounds of the same run.
   */
  cascade: {
    posts: number;
    /** Share of model runs (two per post) that reached a second stage. */
    escalatedShare: number;
    fastOnlyPostsPerSec: number;
    withSecondStagePostsPerSec: number;
    /** withSecondStage / fastOnly (target ≥ 0.8). */
    ratio: number;
    /** The same on the harmful-heavy mix above (half the posts harmful). */
    escalatedShareHarmfulMix: number;
  };
  /** 1-minute load average over the cores during the run, to read the figures by. */
  loadPerCore: number;
  node: string;
}

/** Mixed English/Chinese posts from the test splits (and PHEME), interleaved. */
export function benchPosts(dataDir: string): Post[] {
  const sets = [loadCold(dataDir).test, loadWeibo(dataDir).test, loadDavidson(dataDir, 42).test, loadPheme(dataDir)];
  const out: Post[] = [];
  const longest = Math.max(...sets.map((s) => s.length));
  for (let i = 0; i < longest; i++) {
    for (const s of sets) {
      const ex = s[i];
      if (ex)
        out.push({
          id: String(out.length),
          text: ex.text,
          createdAt: "2024-01-01T00:00:00Z",
          author: { id: `u${i % 97}`, followers: i % 50, accountAgeDays: i % 30 },
        });
    }
  }
  return out;
}

interface Rate {
  /** Posts per second of wall-clock time. */
  wall: number;
  /**
   * Posts per second of this process's CPU time (user + system). On a shared,
   * loaded machine the wall figure counts time the thread spent waiting for a core;
   * this one does not (it still pays for caches shared with other jobs).
   */
  cpu: number;
}

function rate(run: () => number, seconds: number): Rate {
  run(); // warm up: JIT, stem cache, simplification table
  let done = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < seconds * 1000) done += run();
  const cpu = process.cpuUsage(cpu0);
  return {
    wall: done / ((performance.now() - start) / 1000),
    cpu: done / ((cpu.user + cpu.system) / 1e6),
  };
}

export async function benchScore(opts: BenchOptions = {}): Promise<BenchResult> {
  const seconds = opts.seconds ?? 3;
  const batch = opts.batchSize ?? 512;
  const scorer = await ModelScorer.load();
  const posts = benchPosts(opts.dataDir ?? defaultDataDir());
  const batches: Post[][] = [];
  for (let i = 0; i < posts.length; i += batch) batches.push(posts.slice(i, i + batch));
  let b = 0;
  const next = (): Post[] => batches[b++ % batches.length] ?? [];
  const fast = rate(() => scorer.scoreBatch(next()).length, seconds);
  const norm = rate(() => next().reduce((n, p) => n + (normalise(p.text).length > -1 ? 1 : 0), 0), seconds);
  const tf = rate(() => {
    const ps = next();
    predictReference(scorer.loaded, ps);
    return ps.length;
  }, seconds);
  const stagesMicros = stages(scorer, posts, seconds);
  const harmfulMix = scorer.cascade.escalated / Math.max(scorer.cascade.runs, 1);
  const cascade = await benchCascade(scorer, trafficPosts(opts.dataDir ?? defaultDataDir(), posts), batch, seconds);
  const zh = posts.filter((p) => /[\u4e00-\u9fff]/.test(p.text)).length;
  return {
    posts: posts.length,
    meanChars: Math.round(posts.reduce((n, p) => n + p.text.length, 0) / posts.length),
    zhShare: Math.round((zh / posts.length) * 100) / 100,
    backend: scorer.loaded.backend,
    fastPostsPerSec: Math.round(fast.wall),
    tfPostsPerSec: Math.round(tf.wall),
    ratio: Math.round((fast.wall / tf.wall) * 10) / 10,
    normaliseOnlyPostsPerSec: Math.round(norm.wall),
    fastPostsPerCpuSec: Math.round(fast.cpu),
    tfPostsPerCpuSec: Math.round(tf.cpu),
    normaliseOnlyPostsPerCpuSec: Math.round(norm.cpu),
    stagesMicros,
    cascade: { ...cascade, escalatedShareHarmfulMix: Math.round(harmfulMix * 1000) / 1000 },
    loadPerCore: Math.round(((os.loadavg()[0] ?? 0) / os.availableParallelism()) * 100) / 100,
    node: process.version,
  };
}

/** Ordinary test posts of both languages, with every 20th post taken from the harmful mix. */
function trafficPosts(dataDir: string, harmful: readonly Post[]): Post[] {
  const ordinary = [...loadOrdinaryEn(dataDir, 42).test, ...loadOrdinaryZh(dataDir).test];
  const out: Post[] = [];
  ordinary.forEach((ex, i) => {
    out.push({ ...(harmful[0] as Post), id: `o${i}`, text: ex.text });
    if (i % 19 === 18) out.push(harmful[(i * 7) % harmful.length] as Post);
  });
  return out;
}

/** Fast stage alone against the whole cascade, ABBA rounds so that drift in the machine's load cancels. */
async function benchCascade(scorer: ModelScorer, posts: Post[], batch: number, seconds: number) {
  const fastOnly = new ModelScorer(scorer.loaded, { secondStage: false });
  const full = new ModelScorer(scorer.loaded);
  const batches: Post[][] = [];
  for (let i = 0; i < posts.length; i += batch) batches.push(posts.slice(i, i + batch));
  const pass = (s: ModelScorer) => () => {
    let n = 0;
    for (const b of batches) n += s.scoreBatch(b).length;
    return n;
  };
  const rounds = 4;
  const a: Rate[] = [];
  const b: Rate[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [fastOnly, full] : [full, fastOnly];
    for (const s of order) (s === full ? b : a).push(rate(pass(s), seconds / rounds));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const mean = (xs: Rate[]) => xs.reduce((n, x) => n + x.wall, 0) / xs.length;
  return {
    posts: posts.length,
    escalatedShare: Math.round((full.cascade.escalated / Math.max(full.cascade.runs, 1)) * 1000) / 1000,
    fastOnlyPostsPerSec: Math.round(mean(a)),
    withSecondStagePostsPerSec: Math.round(mean(b)),
    ratio: Math.round((mean(b) / mean(a)) * 100) / 100,
  };
}

/** µs per post of each stage of ModelScorer.score run alone (see BenchResult.stagesMicros). */
function stages(scorer: ModelScorer, posts: Post[], seconds: number): Record<string, number> {
  const normalised = posts.map((p) => normalise(p.text));
  const prepared = normalised.map(expandInsults);
  const langs = prepared.map(routeLang);
  const sinks = { en: makeSink(FEATURES.en), zh: makeSink(FEATURES.zh) };
  const fused = { en: scorer.fusedPair("en"), zh: scorer.fusedPair("zh") };
  const la = new Float64Array(4);
  const lb = new Float64Array(4);
  const features = (i: number): Lang => {
    const l = langs[i] as Lang;
    extractFeatures(prepared[i] ?? "", FEATURES[l], sinks[l]);
    return l;
  };
  const perPost = (fn: (i: number) => void) => {
    const r = rate(() => {
      for (let i = 0; i < posts.length; i++) fn(i);
      return posts.length;
    }, seconds / 3);
    return Math.round((1e6 / r.wall) * 10) / 10;
  };
  const out: Record<string, number> = {
    normalise: perPost((i) => normalise(posts[i]?.text ?? "")),
    "insult expansion + routing": perPost((i) => routeLang(expandInsults(normalised[i] ?? ""))),
    features: perPost(features),
    "features + model lookups": perPost((i) => {
      const l = features(i);
      fused[l].run(sinks[l], 1, la, lb);
    }),
    rules: perPost((i) => {
      const p = posts[i] as Post;
      attackSignals(p);
      dataLeakSignals(p.text);
      urgencySignals(prepared[i] ?? "");
    }),
  };
  out["whole path, text already normalised"] = perPost((i) => scorer.score(posts[i] as Post, normalised[i]));
  out["whole path"] = perPost((i) => scorer.score(posts[i] as Post));
  return out;
}

/** Posts per second on one core that the scoring issue asks of the fast path. */
export const SCORE_TARGET = 50_000;
/** The whole cascade's throughput over the fast stage alone's, in one run (issue 16). */
export const CASCADE_TARGET = 0.8;

export function formatScore(r: BenchResult): string {
  const n = (x: number) => x.toLocaleString("en");
  return [
    `posts: ${r.posts} mixed (${r.zhShare * 100}% zh, mean ${r.meanChars} chars), node ${r.node}, one core`,
    `fast path (normalise + rules + models + explanations): ${n(r.fastPostsPerSec)} posts/s`,
    `tf.predict (${r.backend}), same features, batches of 512:  ${n(r.tfPostsPerSec)} posts/s`,
    `ratio: ${r.ratio}x   (normalise alone: ${n(r.normaliseOnlyPostsPerSec)} posts/s)`,
    `per CPU-second: fast ${n(r.fastPostsPerCpuSec)}, tf ${n(r.tfPostsPerCpuSec)}, ` +
      `normalise ${n(r.normaliseOnlyPostsPerCpuSec)} posts/s (load per core ${r.loadPerCore})`,
    `µs per post, each stage alone (${(1e6 / SCORE_TARGET).toFixed(0)} µs/post is the target's budget):`,
    ...Object.entries(r.stagesMicros).map(([k, v]) => `  ${k.padEnd(38)} ${v.toFixed(1)}`),
    `target: ${n(SCORE_TARGET)} posts/s on one core: ${r.fastPostsPerSec >= SCORE_TARGET ? "met" : "missed"}`,
    `cascade on traffic (${n(r.cascade.posts)} ordinary test posts, 5% harmful mixed in): ` +
      `${(r.cascade.escalatedShare * 100).toFixed(1)}% of model runs reached a second stage ` +
      `(${(r.cascade.escalatedShareHarmfulMix * 100).toFixed(1)}% on the harmful-heavy mix)`,
    `  fast stage alone ${n(r.cascade.fastOnlyPostsPerSec)} posts/s, with the second stage ` +
      `${n(r.cascade.withSecondStagePostsPerSec)} posts/s: ratio ${r.cascade.ratio} ` +
      `(target ≥ ${CASCADE_TARGET}: ${r.cascade.ratio >= CASCADE_TARGET ? "met" : "missed"})`,
    "",
  ].join("\n");
}

const invoked = process.argv[1] ? pathToFileURL(path.resolve(process.argv[1])).href : "";
if (import.meta.url === invoked) {
  const r = await benchScore();
  process.stdout.write(process.argv.includes("--json") ? JSON.stringify(r) + "\n" : formatScore(r));
}
