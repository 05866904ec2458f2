// Where a feature's text sits in the post as written. The models read the prepared text
// (normalised, insults expanded), but a moderator reads the original, so every explanation
// names a span of the original and quotes it exactly: features that cannot be found there are
// not shown. Only flagged or near-flagged posts are explained, so the fallbacks may be slow.
import { normalise } from "../normalise";
import { prepare } from "./prepare";

export interface Span {
  start: number;
  end: number;
}

/** The original text with each code point folded on its own, and where each folded unit came from. */
function foldedByCodePoint(original: string): { text: string; from: number[]; to: number[] } {
  let text = "";
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < original.length;) {
    const cp = original.codePointAt(i) ?? 0;
    const w = cp > 0xffff ? 2 : 1;
    const f = normalise(original.slice(i, i + w));
    for (let k = 0; k < f.length; k++) {
      from.push(i);
      to.push(i + w);
    }
    text += f;
    i += w;
  }
  return { text, from, to };
}

const isAlnum = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** First occurrence of needle in hay standing as whole words (else the first occurrence), or -1. */
function find(hay: string, needle: string): number {
  const first = hay.indexOf(needle);
  for (let i = first; i >= 0; i = hay.indexOf(needle, i + 1)) {
    const edgeBefore = !isAlnum(needle[0]) || !isAlnum(hay[i - 1]);
    const edgeAfter = !isAlnum(needle[needle.length - 1]) || !isAlnum(hay[i + needle.length]);
    if (edgeBefore && edgeAfter) return i;
  }
  return first;
}

/** Smallest stretch of [start, end) whose prepared form still contains the needle. */
function shrink(original: string, needle: string, start: number, end: number): Span {
  let s = start,
    e = end;
  while (s + 1 < e && prepare(original.slice(s + 1, e)).includes(needle)) s++;
  while (e - 1 > s && prepare(original.slice(s, e - 1)).includes(needle)) e--;
  return { start: s, end: e };
}

/** One post's text, its lower case and (filled on first need) its per-character fold. */
interface Post {
  original: string;
  lower: string;
  folded?: ReturnType<typeof foldedByCodePoint>;
}

function locateIn(post: Post, needle: string): Span | null {
  const { original, lower } = post;
  if (needle.length === 0) return null;
  if (lower.length === original.length) {
    const i = find(lower, needle);
    if (i >= 0) return { start: i, end: i + needle.length };
  }
  const f = (post.folded ??= foldedByCodePoint(original));
  const j = find(f.text, needle);
  if (j >= 0) return { start: f.from[j] ?? 0, end: f.to[j + needle.length - 1] ?? original.length };
  const words = Array.from(original.matchAll(/\S+/g), (m) => ({ start: m.index, end: m.index + m[0].length }));
  for (let size = 1; size <= Math.min(8, words.length); size++) {
    for (let w = 0; w + size <= words.length; w++) {
      const start = words[w]?.start ?? 0;
      const end = words[w + size - 1]?.end ?? 0;
      if (prepare(original.slice(start, end)).includes(needle)) return shrink(original, needle, start, end);
    }
  }
  return null;
}

/**
 * The span of `original` that reads as `needle` (a piece of prepare(original)), or null.
 * Tried in order: the needle itself in any case; a fold of each character (full-width forms,
 * traditional characters, accents); then whole space-separated words joined until their
 * prepared form contains it (leetspeak, spaced-out letters, expanded abbreviations).
 */
export function locate(original: string, needle: string): Span | null {
  return locateIn({ original, lower: original.toLowerCase() }, needle);
}

/** A locator for one post: lower-cases it once and folds it at most once for all of its features. */
export function locator(original: string): (needle: string) => Span | null {
  const post: Post = { original, lower: original.toLowerCase() };
  return (needle) => locateIn(post, needle);
}
