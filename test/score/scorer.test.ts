// The committed models through the Scorer: clear cases, explanations, and the fast
// path agreeing with tf.predict on real posts from the test splits.
import { beforeAll, describe, expect, it } from "vitest";
import { predictReference } from "../../src/score/reference";
import type { ModelScorer } from "../../src/score/scorer";
import { defaultDataDir } from "../../src/cli/score";
import { loadCold, loadDavidson, loadPheme, loadWeibo } from "../../src/train/data";
import { loadScorer, post } from "./helpers";

let scorer: ModelScorer;
beforeAll(async () => {
  scorer = await loadScorer();
}, 30_000);

describe("abuse", () => {
  it.each(["you are a fucking idiot bitch", "shut up you stupid faggot", "你就是个傻逼，滚", "这种人真恶心，去死吧"])(
    "flags %s",
    (text) => {
      const [s] = scorer.scoreBatch([post(text)]);
      expect(s?.abuse.flagged).toBe(true);
    },
  );
  it.each([
    "the weather is lovely in the park today",
    "thanks for the help with my homework",
    "今天天气很好，我们去公园散步",
    "这本书写得很好，推荐大家阅读",
  ])("does not flag %s", (text) => {
    const [s] = scorer.scoreBatch([post(text)]);
    expect(s?.abuse.flagged).toBe(false);
  });
});

describe("explanations", () => {
  it("lists at most five features, strongest first, naming the insult", () => {
    const [s] = scorer.scoreBatch([post("you are a stupid bitch")]);
    const top = s?.abuse.top ?? [];
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < top.length; i++) expect(top[i - 1]?.weight).toBeGreaterThanOrEqual(top[i]?.weight ?? 0);
    expect(top.some((c) => c.feature.includes("bitch"))).toBe(true);
  });
  it("names the rules behind data_leak, attack and rumour", () => {
    const [s] = scorer.scoreBatch([post("紧急扩散！他的身份证11010519491231002X 电话13812345678")]);
    expect(s?.data_leak.flagged).toBe(true);
    expect(s?.data_leak.top[0]?.feature).toBe("rule:cn_id_card");
    expect(s?.rumour.top[0]?.feature).toBe("rule:zh_urgent_spread");
  });
  it("uses the caller's normalised text when given", () => {
    const [a] = scorer.scoreBatch([post("ignored")], ["你就是个傻逼"]);
    expect(a?.abuse.flagged).toBe(true);
  });
});

describe("fast path", () => {
  it("agrees with tf.predict, both stages, within 1e-4 on real posts", () => {
    const data = defaultDataDir();
    const texts = [
      ...loadCold(data).test.slice(0, 100),
      ...loadWeibo(data).test.slice(0, 100),
      ...loadDavidson(data, 42).test.slice(0, 100),
      ...loadPheme(data).slice(0, 100),
    ].map((e, i) => post(e.text, String(i)));
    const ref = predictReference(scorer.loaded, texts);
    let worst = 0;
    let escalated = 0;
    texts.forEach((p, i) => {
      const s = scorer.scoreBatch([p])[0];
      const abuse = ref.abuse[i];
      const rumour = ref.rumour[i];
      if (!s || !abuse || !rumour) throw new Error(`post ${i} missing`);
      // Cues (explicit insults, rumour cues) raise the score on purpose; compare only where none fired.
      if (!s.abuse.top.some((c) => c.feature.startsWith("rule:")))
        worst = Math.max(worst, Math.abs(s.abuse.score - abuse.cascade));
      if (!s.rumour.top.some((c) => c.feature.startsWith("rule:")))
        worst = Math.max(worst, Math.abs(s.rumour.score - rumour.cascade));
      const fast = abuse.probs.length === 1 ? (abuse.probs[0] ?? 0) : 1 - (abuse.probs[2] ?? 0);
      if (fast >= scorer.loaded.models[abuse.model].entry.escalateAt) escalated++;
    });
    expect(worst).toBeLessThan(1e-4);
    expect(escalated).toBeGreaterThan(10); // the second stage was compared too, not only the first
  });
});
