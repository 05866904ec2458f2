// Evasion variants of flagged insults stay flagged: scoring runs on normalised
// text, and pinyin/abbreviated insults are expanded to their Han form.
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelScorer } from "../../src/score/scorer";
import { loadScorer, post } from "./helpers";

let scorer: ModelScorer;
beforeAll(async () => {
  scorer = await loadScorer();
}, 30_000);

const abuse = (text: string) => scorer.scoreBatch([post(text)])[0]?.abuse;

const EN: ReadonlyArray<readonly [string, string[]]> = [
  [
    "you are a stupid bitch",
    [
      "you are a s t u p i d b i t c h",
      "you are a stu\u200bpid bi\u200dtch",
      "ｙｏｕ ａｒｅ ａ ｓｔｕｐｉｄ ｂｉｔｃｈ",
      "yоu аrе а stupіd bіtсh", // Cyrillic о а е і с
      "you are a stup1d b1tch",
      "you are a stuuuuupid biiiiitch",
      "YOU ARE A STUPID BITCH",
    ],
  ],
  [
    "shut up you fucking idiot",
    ["shut up you f.u.c.k.i.n.g i.d.i.o.t", "shut up you fuck1ng 1d10t", "shut up you ｆｕｃｋｉｎｇ ｉｄｉｏｔ"],
  ],
];

const ZH: ReadonlyArray<readonly [string, string[]]> = [
  [
    "你就是个傻逼",
    [
      "你就是个sb",
      "你就是个SB",
      "你就是个shabi",
      "你就是个傻b",
      "你就是个煞笔",
      "你就是个傻 逼",
      "你就是个傻\u200b逼",
      "你就是個傻逼",
    ],
  ],
  ["操你妈", ["cnm", "CNM!", "草你妈", "艹你妈"]],
  ["你妈死了", ["nmsl", "NMSL!!!", "ｎｍｓｌ"]],
];

describe("evasion", () => {
  for (const [plain, variants] of [...EN, ...ZH]) {
    it(`keeps "${plain}" flagged under ${variants.length} variants`, () => {
      expect(abuse(plain)?.flagged).toBe(true);
      const missed = variants.filter((v) => !abuse(v)?.flagged);
      expect(missed).toEqual([]);
    });
  }
});
