// Explanations a moderator can read: every model feature named in a Score is a stretch of the
// post as written (its span quotes it exactly), never a hash bucket, a `<`/`>` marker or a piece of
// a word. Posts are built from insults and rumour words (so that they get explained) in every
// disguise normalise() folds: case, full-width forms, traditional characters, leetspeak, spacing.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelScorer } from "../../src/score/scorer";
import { locate } from "../../src/score/spans";
import { prepare } from "../../src/score/prepare";
import { loadScorer, post } from "./helpers";

let scorer: ModelScorer;
beforeAll(async () => {
  scorer = await loadScorer();
}, 30_000);

const WORDS = [
  "you",
  "are",
  "a",
  "stupid",
  "idiot",
  "bitch",
  "fucking",
  "hiking",
  "with",
  "my",
  "dog",
  "trash",
  "breaking",
  "police",
  "confirm",
  "shooting",
  "share",
  "before",
  "deleted",
  "@user",
  "#news",
  "http://t.co/x",
  "傻逼",
  "滚",
  "去死吧",
  "脑残",
  "狗东西",
  "據說",
  "紧急扩散",
  "自来水",
  "投毒",
  "今天",
  "天气",
  "真好",
];
const fullWidth = (s: string): string => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const DISGUISES: ReadonlyArray<(w: string) => string> = [
  (w) => w,
  (w) => w.toUpperCase(),
  fullWidth,
  (w) => w.replace(/i/g, "1").replace(/o/g, "0"),
  (w) => (/^[a-z]{4,}$/.test(w) ? w.split("").join(" ") : w),
];
const word = fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...DISGUISES)).map(([w, d]) => d(w));
const text = fc
  .array(fc.tuple(word, fc.constantFrom(" ", " ", "  ", "，", "! ", "\n")), { minLength: 1, maxLength: 14 })
  .map((parts) => parts.map(([w, sep]) => w + sep).join(""));

describe("explanations", () => {
  it("quote the original post: every model feature is a substring at its span", () => {
    let explained = 0;
    fc.assert(
      fc.property(text, (t) => {
        const [s] = scorer.scoreBatch([post(t)]);
        for (const cat of [s?.abuse, s?.rumour]) {
          for (const c of cat?.top ?? []) {
            if (c.feature.startsWith("rule:")) continue;
            explained++;
            expect(c.span, c.feature).toBeDefined();
            expect(t.slice(c.span?.start, c.span?.end)).toBe(c.feature);
            expect(c.feature).not.toMatch(/^[<>]|[<>]$|^__/);
          }
        }
      }),
      { numRuns: 400, seed: 16 },
    );
    expect(explained).toBeGreaterThan(100); // the property was exercised, not vacuous
  });
  it("name the whole word, not a fragment inside it", () => {
    const [s] = scorer.scoreBatch([post("you are a fucking idiot")]);
    const features = s?.abuse.top.filter((c) => !c.feature.startsWith("rule:")).map((c) => c.feature) ?? [];
    expect(features.length).toBeGreaterThan(0);
    for (const f of features)
      expect("you are a fucking idiot".split(" ")).toEqual(expect.arrayContaining(f.split(" ")));
  });
  it("find disguised words in the original: full-width, traditional, leetspeak, spaced out", () => {
    for (const [original, needle, quoted] of [
      ["ＳＴＵＰＩＤ dog", "stupid", "ＳＴＵＰＩＤ"],
      ["據說他們", "据说", "據說"],
      ["you 1d10t", "idiot", "1d10t"],
      ["what an i d i o t here", "idiot", "i d i o t"],
    ] as const) {
      expect(prepare(original)).toContain(needle);
      const span = locate(original, needle);
      expect(span && original.slice(span.start, span.end)).toBe(quoted);
    }
  });
});
