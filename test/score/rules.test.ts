// Rule signals: checksums, phone and e-mail patterns, spam hints, urgency markers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalise } from "../../src/normalise";
import { prepare } from "../../src/score/prepare";
import type { Post } from "../../src/domain";
import {
  attackSignals,
  dataLeakSignals,
  isValidCnId,
  luhnValid,
  mayLeak,
  noisyOr,
  hasExplicitInsult,
  insultSignals,
  urgencySignals,
} from "../../src/score/rules";

const rules = (text: string): string[] => dataLeakSignals(text).map((h) => h.feature);
const post = (text: string, author: Partial<Post["author"]> = {}, extra: Partial<Post> = {}): Post => ({
  id: "p",
  text,
  createdAt: "2024-01-01T00:00:00Z",
  author: { id: "a", followers: 50, accountAgeDays: 400, ...author },
  ...extra,
});

describe("Chinese resident ID (ISO 7064 MOD 11-2)", () => {
  it("accepts valid numbers, including an X check digit", () => {
    expect(isValidCnId("11010519491231002X")).toBe(true);
    expect(isValidCnId("110101199003074477")).toBe(true);
  });
  it("rejects a wrong check digit, an impossible birth date and wrong lengths", () => {
    expect(isValidCnId("110105194912310021")).toBe(false);
    expect(isValidCnId("110101199013074473")).toBe(false); // month 13
    expect(isValidCnId("11010519491231002")).toBe(false);
  });
  it("flags a valid ID in text, not an invalid one", () => {
    expect(rules("身份证号11010519491231002X，大家去查")).toContain("rule:cn_id_card");
    expect(rules("订单号110105194912310021")).not.toContain("rule:cn_id_card");
  });
});

describe("bank card (Luhn)", () => {
  it("validates the Luhn checksum", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("6222021234567890123".slice(0, 16))).toBe(luhnValid("6222021234567890"));
  });
  it("flags card numbers with spaces, not Luhn-invalid digit runs", () => {
    expect(rules("card 4111 1111 1111 1111 exp 12/27")).toContain("rule:bank_card");
    expect(rules("ref 4111111111111112")).not.toContain("rule:bank_card");
  });
});

describe("phones and e-mail", () => {
  it("flags Chinese mobiles, with or without +86 and separators", () => {
    expect(rules("他的电话13812345678")).toContain("rule:cn_mobile");
    expect(rules("call +86 138-1234-5678")).toContain("rule:cn_mobile");
    expect(rules("电话：１３８１２３４５６７８")).toContain("rule:cn_mobile"); // full-width digits
  });
  it("does not flag 11-digit numbers outside the mobile ranges or inside longer runs", () => {
    expect(rules("编号12812345678")).not.toContain("rule:cn_mobile");
    expect(rules("id 9913812345678999")).not.toContain("rule:cn_mobile");
  });
  it("flags international numbers and e-mail addresses", () => {
    expect(rules("ring her on +44 20 7946 0958")).toContain("rule:intl_phone");
    expect(rules("write to jane.doe@example.co.uk now")).toContain("rule:email");
    expect(rules("meet @jane at 5")).toEqual([]);
  });
  it("combines hits with noisy-or, strongest first", () => {
    const hits = dataLeakSignals("11010519491231002X 13812345678 a@b.cn");
    expect(hits.map((h) => h.feature)).toEqual(["rule:cn_id_card", "rule:cn_mobile", "rule:email"]);
    expect(noisyOr(hits)).toBeCloseTo(1 - 0.1 * 0.4 * 0.6, 10);
  });
});

describe("attack hints", () => {
  it("fires on new, follower-less accounts posting link and mention floods", () => {
    const names = attackSignals(
      post("win http://x.co/a http://x.co/b @a @b @c @d @e", { followers: 0, accountAgeDays: 1 }),
    ).map((h) => h.feature);
    expect(names).toEqual(
      expect.arrayContaining(["rule:link_density", "rule:new_account", "rule:zero_followers", "rule:many_mentions"]),
    );
  });
  it("stays quiet for an ordinary post from an established account", () => {
    expect(attackSignals(post("lovely weather in the park today"))).toEqual([]);
  });
  it("uses the platform's hashtag list and notices repeated characters", () => {
    const names = attackSignals(post("buyyyyyyy now", {}, { hashtags: ["a", "b", "c", "d", "e"] })).map(
      (h) => h.feature,
    );
    expect(names).toEqual(expect.arrayContaining(["rule:many_hashtags", "rule:repeated_chars"]));
  });
});

describe("rumour cues", () => {
  const cues = (text: string) => urgencySignals(normalise(text)).map((h) => h.feature);
  it("finds English and Chinese cues in normalised text", () => {
    expect(cues("share this before it's deleted!")).toContain("rule:share_before_deleted");
    expect(cues("they don't want you to know this")).toContain("rule:cover_up");
    expect(cues("紧急扩散！内部消息，删前速看")).toEqual(
      expect.arrayContaining(["rule:zh_urgent_spread", "rule:zh_hearsay", "rule:zh_delete_soon", "rule:zh_look_now"]),
    );
  });
  // Each family written several ways: the cue must survive the paraphrase, not one wording.
  it.each([
    ["My cousin who works at the water plant says it was poisoned", "rule:hearsay"],
    ["a friend of mine at the utility told me", "rule:hearsay"],
    ["I heard from a nurse that the hospital is full", "rule:hearsay"],
    ["Someone on the inside confirmed it", "rule:hearsay"],
    ["The authorities are keeping it quiet", "rule:cover_up"],
    ["the council is covering it up", "rule:cover_up"],
    ["and the media won't report it", "rule:cover_up"],
    ["officials refuse to comment", "rule:cover_up"],
    ["Repost this before they take it down", "rule:share_before_deleted"],
    ["screenshot it before it gets scrubbed", "rule:share_before_deleted"],
    ["Tell everyone you know", "rule:tell_everyone"],
    ["warn your family now", "rule:tell_everyone"],
    ["Pass it on!", "rule:tell_everyone"],
    ["據說自來水被污染了", "rule:zh_hearsay"],
    ["网传市区要封城", "rule:zh_hearsay"],
    ["我表哥在水厂上班，他说的", "rule:zh_relative_insider"],
    ["官方一直在隐瞒", "rule:zh_cover_up"],
    ["有关部门封锁消息", "rule:zh_cover_up"],
    ["告诉身边的人", "rule:zh_urgent_spread"],
    ["看完就删", "rule:zh_delete_soon"],
  ])("%s → %s", (text, cue) => {
    expect(cues(text)).toContain(cue);
  });
  it("finds nothing in ordinary text", () => {
    for (const t of [
      "had a nice lunch with friends",
      "今天天气真好，和朋友去吃火锅",
      "my brother is a teacher",
      "听说明天下雨",
    ])
      expect(cues(t), t).toEqual([]);
  });
});

describe("explicit insults", () => {
  const cue = (text: string) => insultSignals(prepare(text)).map((h) => h.feature);
  it.each([
    ["@drill_target you are a worthless idiot", "rule:targeted_insult"],
    ["you are a s t u p i d b i t c h", "rule:targeted_insult"],
    ["go die you pathetic loser", "rule:targeted_insult"],
    ["@某人 去死吧", "rule:targeted_insult"],
    ["你就是个贱人", "rule:targeted_insult"],
    ["cnm", "rule:severe_insult"],
    ["你妈死了", "rule:severe_insult"],
    ["just kill yourself already", "rule:severe_insult"],
    ["you are a stuuuuupid biiiiitch", "rule:targeted_insult"],
    ["狗东西", "rule:targeted_insult"],
    ["stupid me, forgot my keys at home again this morning", "rule:insult"],
    ["@user you are such a liar", "rule:targeted_insult"],
    ["shut up", "rule:targeted_insult"],
    ["fuck off and take your hypocrites with you", "rule:targeted_insult"],
    ["what a dumb take from the senator on the budget vote", "rule:insult"],
    ["你这个普信男", "rule:targeted_insult"],
  ])("%s → %s", (text, name) => {
    expect(cue(text)).toEqual([name]);
  });
  it("leaves the words added to the cue out of the training filter, which trained the committed models", () => {
    expect(hasExplicitInsult(prepare("you are a liar"))).toBe(false);
    expect(hasExplicitInsult(prepare("你这个普信男"))).toBe(false);
    expect(hasExplicitInsult(prepare("you are an idiot"))).toBe(true);
  });
  it("stays quiet on ordinary words that contain or resemble one", () => {
    for (const t of [
      "Scunthorpe United won again",
      "this fucking rain",
      "垃圾分类从我做起",
      "滚动新闻",
      "going hiking with my dog",
      "fooled around at the beach, clownfish everywhere",
    ])
      expect(cue(t), t).toEqual([]);
  });
});

// The hot-path pre-scans must never change a result: compare with the plain regexes.
describe("rule pre-scans agree with the regexes they skip", () => {
  const chars = fc.constantFrom(
    ..."0123456789 -@#x\n\u3000\uff11\uff20\u4e00\u3002\ud83d\ude00aaaaaa\u0661!.".split(""),
  );
  const text = fc.oneof(
    fc.string(),
    fc.array(chars, { maxLength: 40 }).map((a) => a.join("")),
  );
  it("data_leak: the pre-scan passes every text the NFKC + regex gate would", () => {
    fc.assert(
      fc.property(text, (t) => {
        const s = /[^\x00-\x7f]/.test(t) ? t.normalize("NFKC") : t;
        if (/\d{6}|@/.test(s.replace(/[\s-]/g, ""))) expect(mayLeak(t)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
  it("repeated characters: the loop agrees with /(.)\\1{5,}/u", () => {
    fc.assert(
      fc.property(text, (t) => {
        const hit = attackSignals(post(t)).some((h) => h.feature === "rule:repeated_chars");
        expect(hit).toBe(/(.)\1{5,}/u.test(t));
      }),
      { numRuns: 2000 },
    );
  });
});
