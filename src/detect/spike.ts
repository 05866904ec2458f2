// The spike detector: decides whether one key's recent flagged posts are a harmful spike. Pure.
//
// Two questions, both of which must be answered "yes, very unlikely by chance":
//
// 1. Is this key flagging faster than it usually does? The flagged posts of a key per bucket are
//    modelled as Poisson with the rate it showed over the baseline buckets, plus a small prior
//    rate so that a key with no history is not treated as "never flags" (a rate of zero would make
//    two posts infinitely surprising). Evidence is -log10 P(X >= x) for the x flagged posts seen in
//    the now window, under mean (baseline mean + prior) * window length.
// 2. Is the flagged share of this key's posts out of line with the whole stream? A trending
//    hashtag with 5,000 posts will carry some flagged posts just because 2% of everything is
//    flagged; it is a trend, not an incident. Flagged posts among the key's n posts are modelled
//    as Binomial(n, p0) with p0 the stream's flagged share for the category; evidence is
//    -log10 P(Y >= x).
//
// The verdict uses the smaller of the two evidences, and counts guards that make a spike
// actionable: a minimum number of flagged posts, a minimum flagged share, and distinct authors.
// A key whose posts come from one or two accounts is one author spamming — an attack, never a
// rumour or a pile-on, however many posts it has. More distinct authors never lowers the verdict.
import poissonCdf from "@stdlib/stats-base-dists-poisson-cdf";
import binomialCdf from "@stdlib/stats-base-dists-binomial-cdf";
import type { Category, IncidentType } from "../domain";

export interface DetectParams {
  shortBuckets: number;
  baselineBuckets: number;
  minEvidence: number;
  priorPerBucket: number;
  minFlagged: Record<Category, number>;
  minAuthors: number;
  minShare: number;
  soloAuthorMax: number;
}

export const DEFAULT_PARAMS: DetectParams = {
  shortBuckets: 3,
  baselineBuckets: 60,
  minEvidence: 6,
  priorPerBucket: 0.2,
  minFlagged: { rumour: 8, abuse: 8, attack: 10, data_leak: 4 },
  minAuthors: 5,
  minShare: 0.3,
  soloAuthorMax: 2,
};

/** What the detector knows about one key and one category. */
export interface KeySeries {
  category: Category;
  /** Flagged posts per bucket, oldest first; the last `shortBuckets` are the now window. */
  flagged: readonly number[];
  /** All posts of the key per bucket, aligned with `flagged`. */
  posts: readonly number[];
  /** Distinct authors in the now window. */
  authors: number;
  /** The stream's flagged share for the category over the baseline, in [0, 1]. */
  streamShare: number;
}

export interface Verdict {
  spike: boolean;
  type: IncidentType | undefined;
  /** min(rate evidence, share evidence), -log10 of a probability; capped at MAX_EVIDENCE. */
  evidence: number;
  flagged: number;
  posts: number;
  expected: number;
  reason: string;
}

export const MAX_EVIDENCE = 50;

const evidenceOf = (p: number) => (p <= 0 ? MAX_EVIDENCE : Math.min(MAX_EVIDENCE, Math.max(0, -Math.log10(p))));

/** -log10 P(Poisson(mean) >= x). */
export function poissonEvidence(x: number, mean: number): number {
  return x <= 0 ? 0 : evidenceOf(1 - poissonCdf(x - 1, mean));
}

/** -log10 P(Binomial(n, p) >= x). */
export function binomialEvidence(x: number, n: number, p: number): number {
  if (x <= 0) return 0;
  if (p <= 0) return MAX_EVIDENCE;
  return evidenceOf(1 - binomialCdf(x - 1, n, Math.min(p, 1)));
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export function detect(s: KeySeries, params: Partial<DetectParams> = {}): Verdict {
  const p = { ...DEFAULT_PARAMS, ...params };
  const split = Math.max(0, s.flagged.length - p.shortBuckets);
  const x = sum(s.flagged.slice(split));
  const n = Math.max(x, sum(s.posts.slice(split)));
  const baseline = s.flagged.slice(Math.max(0, split - p.baselineBuckets), split);
  const rate = (baseline.length ? sum(baseline) / baseline.length : 0) + p.priorPerBucket;
  const expected = rate * p.shortBuckets;
  const evidence = Math.min(poissonEvidence(x, expected), binomialEvidence(x, n, Math.max(s.streamShare, 1e-4)));
  const base = { evidence, flagged: x, posts: n, expected };
  const no = (reason: string): Verdict => ({ ...base, spike: false, type: undefined, reason });

  const solo = s.authors <= p.soloAuthorMax;
  const type: Category = solo ? "attack" : s.category;
  if (x < p.minFlagged[type]) return no(`only ${x} flagged posts`);
  if (x / n < p.minShare)
    return no(`flagged share ${(x / n).toFixed(2)} below ${p.minShare} (a trend, not an incident)`);
  if (evidence < p.minEvidence) return no(`evidence ${evidence.toFixed(1)} below ${p.minEvidence}`);
  if (!solo && s.authors < p.minAuthors) return no(`only ${s.authors} distinct authors`);
  const why = solo
    ? `${x} flagged ${s.category} posts from ${s.authors} author(s): one account spamming`
    : `${x} flagged ${s.category} posts from ${s.authors} authors, ${expected.toFixed(1)} expected`;
  return { ...base, spike: true, type, reason: why };
}
