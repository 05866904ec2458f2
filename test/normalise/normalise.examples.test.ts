// What normalise() does to the tricks evaders use, one example each.
import { describe, expect, it } from "vitest";
import { hasHan, isHanCodePoint, normalise } from "../../src/normalise";

describe("normalise examples", () => {
  it.each([
    ["spacing", "You are an I d i o t", "you are an idiot"],
    ["dotted spacing", "s.h.i.t", "shit"],
    ["zero-width", "id\u200biot\u200d", "idiot"],
    ["full-width", "ｙｏｕ ＩＤＩＯＴ", "you idiot"],
    ["Cyrillic look-alikes", "іdіоt", "idiot"],
    ["Greek look-alikes", "ιdιοt", "idiot"],
    ["leetspeak", "1d10t h4te a$$", "idiot hate ass"],
    ["repeated characters", "sooooo stupiddddd!!!!", "soo stupidd!!"],
    ["accents", "ídïot", "idiot"],
    ["traditional Chinese", "這個人真噁心", "这个人真恶心"],
    ["spaced Chinese", "傻 逼", "傻逼"],
    ["controls and BOM", "\ufeffhello\u0007 world", "hello world"],
  ])("%s", (_name, input, expected) => {
    expect(normalise(input)).toBe(expected);
  });

  it("leaves quantities, mentions, prices and URLs alone", () => {
    expect(normalise("$100 at 10am on the 1st @b0b http://t.co/AbC123")).toBe(
      "$100 at 10am on the 1st @bob http://t.co/abc123",
    );
    expect(normalise("www.example.com/aaa")).toBe("www.example.com/aaa");
  });

  it("keeps real Russian words and phone numbers", () => {
    expect(normalise("Привет мир")).toBe("привет мир");
    expect(normalise("call 13800000000")).toBe("call 13800000000");
  });

  it("detects Han text", () => {
    expect(hasHan("hello 你好")).toBe(true);
    expect(hasHan("hello")).toBe(false);
    expect(isHanCodePoint(0x4e00)).toBe(true);
  });

  it("simplification is idempotent on every BMP Han character", () => {
    let bad = "";
    for (let cp = 0x3400; cp <= 0x9fff && bad === ""; cp++) {
      const once = normalise(String.fromCodePoint(cp));
      if (normalise(once) !== once) bad = String.fromCodePoint(cp);
    }
    expect(bad).toBe("");
  });
});
