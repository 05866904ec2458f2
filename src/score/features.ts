// Hashed features shared by training and scoring, so both see identical ids. Every feature
// is a whole word, a pair of words, the first letters of a word, or a run of Chinese
// characters: something a moderator can find in the post. Nothing is learnt from bare
// punctuation, from fragments inside words ("king" in "hiking"), or from who the author is.
//   en: stemmed words, stemmed word bigrams, and the prefixes of long words ("<fuck" in
//       "fuckwit"), the one sub-word piece that carries insults across spellings;
//   zh: character 1–3-grams inside runs of Han characters, and the Latin words between them.
import PorterStemmer from "natural/lib/natural/stemmers/porter_stemmer.js";
import { isHanCodePoint, isSpace } from "../normalise";

export type Lang = "en" | "zh";

export interface FeatureConfig {
  lang: Lang;
  /** Hash buckets; a power of two. */
  buckets: number;
  /** Longest padded feature list a post can produce (features beyond it are dropped). */
  maxFeatures: number;
  /** en: prefix lengths in letters (words longer than charMax get prefixes); zh: n-gram lengths. */
  charMin: number;
  charMax: number;
}

/** Where extracted features go: bucket ids and, for explanations, what each one covers. */
export interface FeatureSink {
  ids: Int32Array;
  kind: Uint8Array;
  /** Per feature: where its text starts and ends (exclusive) in the prepared text. */
  a: Int32Array;
  b: Int32Array;
  /** The prepared text the features came from. */
  text: string;
  n: number;
}

export const enum Kind {
  Word = 1,
  Bigram = 2,
  /** A run of 1–3 Han characters. */
  Han = 3,
  Special = 4,
  /** The first letters of a long word; explained as the whole word. */
  Prefix = 6,
}

export const SPECIALS = ["__url__", "__user__", "__hashtag__", "__number__"] as const;

export function makeSink(cfg: FeatureConfig): FeatureSink {
  const m = cfg.maxFeatures;
  return {
    ids: new Int32Array(m),
    kind: new Uint8Array(m),
    a: new Int32Array(m),
    b: new Int32Array(m),
    text: "",
    n: 0,
  };
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
function mix(h: number, c: number): number {
  return Math.imul(h ^ c, FNV_PRIME);
}
function hashString(seed: number, s: string): number {
  let h = mix(FNV_OFFSET, seed);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}
// Avalanche so that low bits (the bucket) depend on every input character.
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function push(sink: FeatureSink, cfg: FeatureConfig, h: number, kind: Kind, a: number, b: number): void {
  if (sink.n >= cfg.maxFeatures) return;
  const i = sink.n++;
  sink.ids[i] = finish(h) & (cfg.buckets - 1);
  sink.kind[i] = kind;
  sink.a[i] = a;
  sink.b[i] = b;
}

// Porter stemming costs ~5 µs a word (measured); words repeat, so cache them.
const stemCache = new Map<string, string>();
function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    if (stemCache.size > 200_000) stemCache.clear(); // bound memory on a long-running worker
    s = word.length > 3 && /^[a-z]+$/.test(word) ? PorterStemmer.stem(word) : word;
    stemCache.set(word, s);
  }
  return s;
}

// The en tokens, in the order the alternatives are tried at each position:
//   https?://[^\s\u0085]+ | www\.[^\s\u0085]+ | @\w+ | #\w+ | &#?\w+; | [a-z0-9']+ | [!?]
// scanned by hand (test/score/features.test.ts pins it to that regex): matchAll
// allocated a match array per token, ~6% of scoring time.
function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
function isTokenChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x27;
}
function toSpace(text: string, from: number): number {
  let e = from;
  while (e < text.length && !isSpace(text.charCodeAt(e))) e++;
  return e;
}

/** End (exclusive) of the en token starting at `i`, or -1 if none starts there. */
export function enTokenEnd(text: string, i: number): number {
  const len = text.length;
  const c = text.charCodeAt(i);
  if (c === 0x68 && text.startsWith("http", i)) {
    const j = text.charCodeAt(i + 4) === 0x73 ? i + 5 : i + 4;
    if (text.startsWith("://", j) && j + 3 < len && !isSpace(text.charCodeAt(j + 3))) return toSpace(text, j + 3);
  } else if (c === 0x77 && text.startsWith("www.", i) && i + 4 < len && !isSpace(text.charCodeAt(i + 4))) {
    return toSpace(text, i + 4);
  } else if (c === 0x40 || c === 0x23) {
    let e = i + 1;
    while (e < len && isWordChar(text.charCodeAt(e))) e++;
    return e > i + 1 ? e : -1;
  } else if (c === 0x26) {
    const j = text.charCodeAt(i + 1) === 0x23 ? i + 2 : i + 1;
    let e = j;
    while (e < len && isWordChar(text.charCodeAt(e))) e++;
    return e > j && text.charCodeAt(e) === 0x3b ? e + 1 : -1;
  }
  if (isTokenChar(c)) {
    let e = i + 1;
    while (e < len && isTokenChar(text.charCodeAt(e))) e++;
    return e;
  }
  return c === 0x21 || c === 0x3f ? i + 1 : -1;
}

function isDigits(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return t.length > 0;
}

const SPECIAL_HASH = SPECIALS.map((name) => hashString(4, name));
const PREFIX_SEED = 3;

function extractEn(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  let prevHash = 0; // hashString(2, the previous word's stem), 0 when a non-word intervenes
  let prevStart = 0;
  for (let i = 0; i < text.length;) {
    const end = enTokenEnd(text, i);
    if (end < 0) {
      i++;
      continue;
    }
    const start = i;
    i = end;
    const c = text.charCodeAt(start);
    if (c === 0x21 || c === 0x3f || c === 0x26) {
      prevHash = 0; // "!" and "?" carry no weight; an HTML entity was left in by the platform
      continue;
    }
    let special = -1;
    const t = text.slice(start, end);
    if ((c === 0x68 || c === 0x77) && (t.startsWith("http") || t.startsWith("www."))) special = 0;
    else if (c === 0x40) special = 1;
    else if (c >= 0x30 && c <= 0x39 && isDigits(t)) special = 3;
    if (c === 0x23) push(sink, cfg, SPECIAL_HASH[2] ?? 0, Kind.Special, start, end);
    if (special >= 0) {
      push(sink, cfg, SPECIAL_HASH[special] ?? 0, Kind.Special, start, end);
      prevHash = 0;
      continue;
    }
    const wordStart = c === 0x23 ? start + 1 : start; // a hashtag's word counts as a word
    let word = text.slice(wordStart, end);
    if (word.includes("'")) word = word.replace(/'/g, "");
    if (word.length === 0) continue;
    const stemmed = stem(word);
    const hw = hashString(1, stemmed);
    push(sink, cfg, hw, Kind.Word, wordStart, end);
    if (prevHash !== 0) push(sink, cfg, mix(mix(prevHash, 0x20), hw), Kind.Bigram, prevStart, end);
    prevHash = hashString(2, stemmed) | 1;
    prevStart = wordStart;
    if (word.length > cfg.charMax) pushPrefixes(word, wordStart, end, cfg, sink);
  }
}

/** "<" plus the first charMin…charMax letters of the word, each explained as the whole word. */
function pushPrefixes(word: string, start: number, end: number, cfg: FeatureConfig, sink: FeatureSink): void {
  let h = mix(mix(FNV_OFFSET, PREFIX_SEED), 0x3c);
  for (let n = 1; n <= cfg.charMax; n++) {
    h = mix(h, word.charCodeAt(n - 1));
    if (n >= cfg.charMin) push(sink, cfg, mix(h, n), Kind.Prefix, start, end);
  }
}

function isHanAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0x3400) return false;
  return c >= 0xd800 && c <= 0xdbff ? isHanCodePoint(s.codePointAt(i) ?? 0) : isHanCodePoint(c);
}

/** Han n-grams of s[from, to) (a run of Han characters; astral ones count as one character). */
function pushHanGrams(s: string, from: number, to: number, cfg: FeatureConfig, sink: FeatureSink): void {
  for (let i = from; i < to;) {
    let h = mix(FNV_OFFSET, 3);
    let j = i;
    for (let n = 1; n <= cfg.charMax && j < to; n++) {
      const cp = s.codePointAt(j) ?? 0;
      h = mix(h, cp);
      j += cp > 0xffff ? 2 : 1;
      if (n >= cfg.charMin) push(sink, cfg, mix(h, n), Kind.Han, i, j);
    }
    i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  }
}

const ZH_URL = /^(?:https?:\/\/|www\.)/;

function extractZh(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  const len = text.length;
  for (let i = 0; i < len;) {
    if (isHanAt(text, i)) {
      const start = i;
      while (i < len && isHanAt(text, i)) i += text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff ? 2 : 1;
      pushHanGrams(text, start, i, cfg, sink);
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 0x68 || c === 0x77) {
      const rest = text.slice(i, i + 8);
      if (ZH_URL.test(rest)) {
        const start = i;
        while (i < len && !isSpace(text.charCodeAt(i)) && !isHanAt(text, i)) i++;
        push(sink, cfg, SPECIAL_HASH[0] ?? 0, Kind.Special, start, i);
        continue;
      }
    }
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < len && isTokenChar(text.charCodeAt(i))) i++;
      const t = text.slice(start, i);
      if (isDigits(t)) push(sink, cfg, SPECIAL_HASH[3] ?? 0, Kind.Special, start, i);
      else push(sink, cfg, hashString(1, t), Kind.Word, start, i);
      continue;
    }
    i++; // punctuation, spaces, emoji: no feature
  }
}

/** Fill `sink` with the hashed features of prepared (normalised, insult-expanded) text. */
export function extractFeatures(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  sink.n = 0;
  sink.text = text;
  if (cfg.lang === "en") extractEn(text, cfg, sink);
  else extractZh(text, cfg, sink);
}

/** The text feature i covers in the prepared text: a word, two words, or a run of Han characters. */
export function featureText(sink: FeatureSink, i: number): string {
  return sink.text.slice(sink.a[i] ?? 0, sink.b[i] ?? 0);
}

/** Human-readable name of feature i: its text, or the special token it stands for. */
export function featureName(sink: FeatureSink, i: number): string {
  const t = featureText(sink, i);
  if ((sink.kind[i] as Kind) !== Kind.Special) return t;
  if (t.startsWith("#")) return "__hashtag__";
  if (t.startsWith("@")) return "__user__";
  return /^\d+$/.test(t) ? "__number__" : "__url__";
}
