// Hashed n-gram features shared by training and scoring, so both see identical ids.
// en: stemmed word uni/bigrams + character n-grams inside words; zh: character 1–3-grams.
import PorterStemmer from "natural/lib/natural/stemmers/porter_stemmer.js";

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

const EN_TOKEN = /https?:\/\/\S+|www\.\S+|@\w+|#\w+|&#?\w+;|[a-z0-9']+|[!?]/g;

function extractEn(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  const tokens = sink.tokens;
  let prev = -1;
  for (const m of text.matchAll(EN_TOKEN)) {
    let t = m[0];
    const c = t.charCodeAt(0);
    if (c === 0x26) continue; // an HTML entity left in by the platform
    let special = -1;
    if (c === 0x68 || c === 0x77) special = t.startsWith("http") || t.startsWith("www.") ? 0 : -1;
    if (c === 0x40) special = 1;
    if (c === 0x23) {
      push(sink, cfg, hashString(4, SPECIALS[2]), Kind.Special, 2, 0);
      t = t.slice(1); // the tag's word counts as a word
    }
    if (c >= 0x30 && c <= 0x39 && /^\d+$/.test(t)) special = 3;
    if (special >= 0) {
      push(sink, cfg, hashString(4, SPECIALS[special] ?? ""), Kind.Special, special, 0);
      prev = -1;
      continue;
    }
    const word = t.replace(/'/g, "");
    if (word.length === 0) continue;
    const stemmed = stem(word);
    const ti = tokens.length;
    tokens.push(stemmed);
    const hw = hashString(1, stemmed);
    push(sink, cfg, hw, Kind.Word, ti, 0);
    if (prev >= 0) push(sink, cfg, mix(mix(hashString(2, tokens[prev] ?? ""), 0x20), hw), Kind.Bigram, prev, ti);
    prev = ti;
    // Character n-grams of the unstemmed word, bounded by "<" and ">" as in fastText.
    const padded = tokens.length; // store the padded word after the stems
    if (word.length > 1) {
      tokens.push(`<${word}>`);
      pushCharGrams(`<${word}>`, padded, cfg, sink);
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

/** Fill `sink` with the hashed features of prepared (normalised, insult-expanded) text. */
export function extractFeatures(text: string, cfg: FeatureConfig, sink: FeatureSink): void {
  sink.n = 0;
  sink.tokens.length = 0;
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
    case Kind.Special:
      return SPECIALS[a] ?? "";
  }
}
