// Hashed n-gram features shared by training and scoring, so both see identical ids.
// en: stemmed word uni/bigrams + character n-grams inside words; zh: character 1–3-grams.
import PorterStemmer from "natural/lib/natural/stemmers/porter_stemmer.js";
import { isSpace } from "../normalise";

export type Lang = "en" | "zh";

export interface FeatureConfig {
  lang: Lang;
  /** Hash buckets; a power of two. */
  buckets: number;
  /** Longest padded feature list a post can produce (features beyond it are dropped). */
  maxFeatures: number;
  /** Character n-gram lengths (inside words for en, over the text for zh). */
  charMin: number;
  charMax: number;
}

/** Where extracted features go: bucket ids and, for explanations, how to name each one. */
export interface FeatureSink {
  ids: Int32Array;
  /** Per feature: kind (see Kind), and two indices into the text or token list. */
  kind: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  tokens: string[];
  n: number;
}

export const enum Kind {
  Word = 1,
  Bigram = 2,
  Char = 3,
  Special = 4,
  /** Account metadata (see AccountMeta); `a` is the bucket. */
  Meta = 5,
  /** A character n-gram of `<word>`; the token holds the bare word. */
  WordChar = 6,
}

/**
 * What the platform says about the author. Rumour sources differ in who posts them
 * (verified news desks vs small accounts) in every event, while their words do not
 * transfer across events, so en posts carry these as features when known. Training
 * sets without them (Davidson) simply never emit them.
 */
export interface AccountMeta {
  followers?: number;
  verified?: boolean;
}
export const SPECIALS = ["__url__", "__user__", "__hashtag__", "__number__"] as const;

export function makeSink(cfg: FeatureConfig): FeatureSink {
  const m = cfg.maxFeatures;
  return {
    ids: new Int32Array(m),
    kind: new Uint8Array(m),
    a: new Int32Array(m),
    b: new Int32Array(m),
    tokens: [],
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

function extractEn(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  const tokens = sink.tokens;
  let prev = -1;
  let prevHash = 0; // hashString(2, tokens[prev])
  for (let i = 0; i < text.length;) {
    const end = enTokenEnd(text, i);
    if (end < 0) {
      i++;
      continue;
    }
    const start = i;
    i = end;
    const c = text.charCodeAt(start);
    if (c === 0x26) continue; // an HTML entity left in by the platform
    let hashtag = false;
    let special = -1;
    const t = text.slice(start, end);
    if (c === 0x68 || c === 0x77) special = t.startsWith("http") || t.startsWith("www.") ? 0 : -1;
    if (c === 0x40) special = 1;
    if (c === 0x23) {
      push(sink, cfg, SPECIAL_HASH[2] ?? 0, Kind.Special, 2, 0);
      hashtag = true; // the tag's word counts as a word
    }
    if (c >= 0x30 && c <= 0x39 && isDigits(t)) special = 3;
    if (special >= 0) {
      push(sink, cfg, SPECIAL_HASH[special] ?? 0, Kind.Special, special, 0);
      prev = -1;
      continue;
    }
    let word = hashtag ? t.slice(1) : t;
    if (word.includes("'")) word = word.replace(/'/g, "");
    if (word.length === 0) continue;
    const stemmed = stem(word);
    const ti = tokens.length;
    tokens.push(stemmed);
    const hw = hashString(1, stemmed);
    push(sink, cfg, hw, Kind.Word, ti, 0);
    if (prev >= 0) push(sink, cfg, mix(mix(prevHash, 0x20), hw), Kind.Bigram, prev, ti);
    prev = ti;
    prevHash = hashString(2, stemmed);
    // Character n-grams of the unstemmed word, bounded by "<" and ">" as in fastText.
    if (word.length > 1) {
      tokens.push(word); // named as "<word>" by featureName (Kind.WordChar)
      pushWordCharGrams(word, tokens.length - 1, cfg, sink);
    }
  }
}

/** pushCharGrams over `<word>` without building that string. */
function pushWordCharGrams(word: string, tokenIndex: number, cfg: FeatureConfig, sink: FeatureSink): void {
  const len = word.length + 2;
  for (let i = 0; i < len; i++) {
    let h = mix(FNV_OFFSET, 3);
    for (let n = 1; n <= cfg.charMax && i + n <= len; n++) {
      const k = i + n - 1;
      h = mix(h, k === 0 ? 0x3c : k === len - 1 ? 0x3e : word.charCodeAt(k - 1));
      if (n >= cfg.charMin) push(sink, cfg, mix(h, n), Kind.WordChar, tokenIndex, (i << 8) | n);
    }
  }
}

function pushCharGrams(s: string, tokenIndex: number, cfg: FeatureConfig, sink: FeatureSink): void {
  for (let i = 0; i < s.length; i++) {
    let h = mix(FNV_OFFSET, 3);
    for (let n = 1; n <= cfg.charMax && i + n <= s.length; n++) {
      h = mix(h, s.charCodeAt(i + n - 1));
      if (n >= cfg.charMin) push(sink, cfg, mix(h, n), Kind.Char, tokenIndex, (i << 8) | n);
    }
  }
}

const ZH_URL = /https?:\/\/\S+|www\.\S+/g;

function extractZh(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  let s = text;
  if (s.includes("http") || s.includes("www.")) {
    s = s.replace(ZH_URL, () => {
      push(sink, cfg, hashString(4, SPECIALS[0]), Kind.Special, 0, 0);
      return " ";
    });
  }
  sink.tokens.push(s);
  // Spaces carry no meaning in Chinese text; n-grams never span or include them.
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === 0x20) {
      if (i > start) pushCharGrams(s.slice(start, i), sink.tokens.push(s.slice(start, i)) - 1, cfg, sink);
      start = i + 1;
    }
  }
}

/** Followers in powers of 4 (0, 1–3, 4–15, …), capped: 12 buckets. */
export function followerBucket(followers: number): number {
  return followers > 0 ? Math.min(11, 1 + Math.floor(Math.log2(followers) / 2)) : 0;
}

const META_SEED = 5;
function pushMeta(meta: AccountMeta, cfg: FeatureConfig, sink: FeatureSink): void {
  if (meta.verified !== undefined)
    push(sink, cfg, mix(mix(FNV_OFFSET, META_SEED), meta.verified ? 1 : 0), Kind.Meta, meta.verified ? 1 : 0, 0);
  const f = meta.followers;
  if (f !== undefined && Number.isFinite(f)) {
    const k = followerBucket(f);
    push(sink, cfg, mix(mix(FNV_OFFSET, META_SEED + 1), k), Kind.Meta, 2 + k, 0);
  }
}

/**
 * Fill `sink` with the hashed features of prepared (normalised, insult-expanded)
 * text, plus the author's metadata for en posts when given.
 */
export function extractFeatures(text: string, cfg: FeatureConfig, sink: FeatureSink, meta?: AccountMeta): void {
  sink.n = 0;
  sink.tokens.length = 0;
  if (meta && cfg.lang === "en") pushMeta(meta, cfg, sink);
  if (cfg.lang === "en") extractEn(text, cfg, sink);
  else extractZh(text, cfg, sink);
}

/** Human-readable name of feature i in `sink`, for explanations. */
export function featureName(sink: FeatureSink, i: number): string {
  const a = sink.a[i] ?? 0;
  const b = sink.b[i] ?? 0;
  switch (sink.kind[i] as Kind) {
    case Kind.Word:
      return sink.tokens[a] ?? "";
    case Kind.Bigram:
      return `${sink.tokens[a] ?? ""} ${sink.tokens[b] ?? ""}`;
    case Kind.Char:
      return (sink.tokens[a] ?? "").slice(b >> 8, (b >> 8) + (b & 0xff));
    case Kind.WordChar:
      return `<${sink.tokens[a] ?? ""}>`.slice(b >> 8, (b >> 8) + (b & 0xff));
    case Kind.Special:
      return SPECIALS[a] ?? "";
    case Kind.Meta:
      if (a < 2) return a === 1 ? "__verified__" : "__unverified__";
      return a === 2 ? "__followers_0__" : `__followers_${4 ** (a - 3)}+__`;
  }
}
