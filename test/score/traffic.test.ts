// A traffic guard: ordinary posts from the test splits of the ordinary sets (never trained on),
// scored by the committed models as the stream scores them, flag at most the rates. And
// the posts that were flagged before the models learnt ordinary traffic stay unflagged.
import { beforeAll, describe, expect, it } from "vitest";
import { CATEGORIES, type Score } from "../../src/domain";
import type { ModelScorer } from "../../src/score/scorer";
import { defaultDataDir } from "../../src/cli/score";
import { loadOrdinaryEn, loadOrdinaryZh } from "../../src/train/sources";
import { loadScorer, post } from "./helpers";

let scorer: ModelScorer;
beforeAll(async () => {
  scorer = await loadScorer();
}, 30_000);

/** Share of `texts` flagged in any category. */
function flagRate(texts: readonly string[]): number {
  const scores: Score[] = scorer.scoreBatch(texts.map((t, i) => post(t, String(i))));
  return scores.filter((s) => CATEGORIES.some((c) => s[c].flagged)).length / texts.length;
}

describe("ordinary traffic", () => {
  it("flags at most 2% of 2,000 ordinary English tweets (the test half of TweetEval emoji val)", () => {
    const texts = loadOrdinaryEn(defaultDataDir(), 42)
      .test.slice(0, 2000)
      .map((e) => e.text);
    expect(texts).toHaveLength(2000); // of the ~2,500 in the test half of val
    expect(flagRate(texts)).toBeLessThanOrEqual(0.02);
  });
  it("flags at most 3% of ordinary Weibo posts, and at most 1% of the optimistic and grateful ones", () => {
    const test = loadOrdinaryZh(defaultDataDir()).test;
    expect(test.length).toBeGreaterThan(1000);
    expect(flagRate(test.map((e) => e.text))).toBeLessThanOrEqual(0.03);
    const happy = test.filter((e) => e.emotion === "optimism" || e.emotion === "gratitude").map((e) => e.text);
    expect(happy.length).toBeGreaterThan(300);
    expect(flagRate(happy)).toBeLessThanOrEqual(0.01);
  });
  it.each([
    "Smile for the camera @ Oklahoma",
    "We love our big sis @ Port Neches - Groves High School",
    "Can't wait for the weekend, going hiking with my dog",
    "一米八小姐姐的男朋友巨帅啊！！！求微博！！！",
    "今天天气真好，和朋友去吃火锅",
  ])("does not flag %s", (text) => {
    const [s] = scorer.scoreBatch([post(text)]);
    for (const c of CATEGORIES) expect(s?.[c].flagged, c).toBe(false);
  });
});
