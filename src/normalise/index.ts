// Pure text normalisation: folds the tricks evaders use so scorers and the
// near-duplicate hash see one canonical form. No I/O; safe on arbitrary strings.
import { isAlreadyFolded } from "./clean";
import { foldPieces } from "./words";

export { isHanCodePoint } from "./chinese";
export { isSpace } from "./words";

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Format characters (zero-width space/joiners, bidi controls, soft hyphen, BOM),
// controls, variation selectors and invisible fillers: all render as nothing.
export const INVISIBLE =
  /[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]|\udb40[\udc00-\uddef]/g;
const LATIN_MARKED = /[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]/;
const LATIN_WITH_MARKS = /([a-z])[\u0300-\u036f]+/g;
const HAN = /[\u3400-\u9fff\uf900-\ufaff]|[\ud840-\ud87f][\udc00-\udfff]/;

/**
 * Canonical form of a post's text: NFKC (folds full-width and half-width forms),
 * invisible characters removed, lower case, accents dropped from Latin letters,
 * Cyrillic/Greek look-alikes folded to Latin inside words that are disguised
 * Latin, spaced-out letters joined ("i d i o t"), leetspeak folded inside words,
 * runs of 3+ identical characters cut to 2, traditional Chinese simplified,
 * whitespace collapsed. URLs keep their spelling (they key near-duplicates).
 * Idempotent: normalise(normalise(x)) === normalise(x) (property-tested).
 */
export function normalise(text: string): string {
  if (PRINTABLE_ASCII.test(text)) {
    const lower = text.toLowerCase();
    return isAlreadyFolded(lower) ? lower : foldPieces(lower);
  }
  let s = SURROGATE.test(text) ? text.replace(LONE_SURROGATE, "") : text;
  s = s.normalize("NFKC").replace(INVISIBLE, "").toLowerCase();
  if (LATIN_MARKED.test(s)) s = s.normalize("NFD").replace(LATIN_WITH_MARKS, "$1");
  // Lower-casing can leave a few strings outside NFKC; one more pass makes the result stable.
  return foldPieces(s.normalize("NFKC"));
}

/** True when the text contains a Han (Chinese) character; routes a post to the zh models. */
export function hasHan(text: string): boolean {
  return HAN.test(text);
}
