// The hand-written en tokeniser must cut exactly where the regex it replaced does,
// or the committed models would see different features than they were trained on.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { enTokenEnd, extractFeatures, featureName, Kind, makeSink } from "../../src/score/features";
import { FEATURES } from "../../src/score/manifest";

// White space is `\s` plus NEL (U+0085), as everywhere in src/normalise.
const EN_TOKEN = /https?:\/\/[^\s\u0085]+|www\.[^\s\u0085]+|@\w+|#\w+|&#?\w+;|[a-z0-9']+|[!?]/g;

function byScanner(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const end = enTokenEnd(text, i);
    if (end < 0) i++;
    else {
      out.push(text.slice(i, end));
      i = end;
    }
  }
  return out;
}

describe("en tokeniser", () => {
  it("matches the specification regex", () => {
    const unit = fc.constantFrom(..."ahtps:/w.@#&;_'!? 0123\u00a0\u3000\u0085中xX-\n".split(""));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit, maxLength: 40 })), (t) => {
        expect(byScanner(t)).toEqual(Array.from(t.matchAll(EN_TOKEN), (m) => m[0]));
      }),
      { numRuns: 5000 },
    );
  });
  it("names whole words, word pairs and specials; never fragments inside words or punctuation", () => {
    const sink = makeSink(FEATURES.en);
    extractFeatures("#tag it's hiking!! www.x.com", FEATURES.en, sink);
    const names = Array.from({ length: sink.n }, (_, i) => featureName(sink, i));
    expect(names).toContain("__hashtag__");
    expect(names).toContain("tag");
    expect(names).toContain("it's");
    expect(names).toContain("it's hiking");
    expect(names).toContain("__url__");
    expect(names).not.toContain("!");
    // The prefixes of a long word are named (and explained) as the word itself.
    for (let i = 0; i < sink.n; i++) if (sink.kind[i] === Kind.Prefix) expect(featureName(sink, i)).toBe("hiking");
    expect(names.filter((n) => n === "hiking").length).toBe(3); // the word and its two prefixes
  });
  it("reads Chinese as runs of Han characters, with Latin words between them", () => {
    const sink = makeSink(FEATURES.zh);
    extractFeatures("求微博！！！iphone真好", FEATURES.zh, sink);
    const names = Array.from({ length: sink.n }, (_, i) => featureName(sink, i));
    expect(names).toEqual(expect.arrayContaining(["求", "求微", "求微博", "iphone", "真好"]));
    expect(names.some((n) => /[！!]/.test(n))).toBe(false);
    expect(names).not.toContain("博真"); // n-grams never span a break in the Han run
  });
});
