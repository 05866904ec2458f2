// Rule signals: checksums, phone and e-mail patterns, spam hints, urgency markers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Post } from "../../src/domain";
import {
  attackSignals,
  dataLeakSignals,
  isValidCnId,
  luhnValid,
  mayLeak,
  noisyOr,
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

describe("rumour urgency markers", () => {
  it("finds English and Chinese markers in normalised text", () => {
    expect(urgencySignals("share this before it's deleted!").map((h) => h.feature)).toContain(
      "rule:share_before_deleted",
    );
    expect(urgencySignals("they don't want you to know this").map((h) => h.feature)).toContain(
      "rule:they_dont_want_you_to_know",
    );
    expect(urgencySignals("紧急扩散！内部消息，删前速看").map((h) => h.feature)).toEqual(
      expect.arrayContaining(["rule:zh_urgent_spread", "rule:zh_insider", "rule:zh_delete_soon", "rule:zh_look_now"]),
    );
  });
  it("finds nothing in ordinary text", () => {
    expect(urgencySignals("had a nice lunch with friends")).toEqual([]);
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
