// The hand-written en tokeniser must cut exactly where the regex it replaced does,
// or the committed models would see different features than they were trained on.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { enTokenEnd, extractFeatures, featureName, followerBucket, makeSink } from "../../src/score/features";
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
  it("names character n-grams of the padded word, specials and account features", () => {
    const sink = makeSink(FEATURES.en);
    extractFeatures("#tag it's www.x.com", FEATURES.en, sink, { followers: 20, verified: true });
    const names = Array.from({ length: sink.n }, (_, i) => featureName(sink, i));
    expect(names.slice(0, 2)).toEqual(["__verified__", "__followers_16+__"]);
    expect(names).toContain("__hashtag__");
    expect(names).toContain("<ta");
    expect(names).toContain("its>");
    expect(names).toContain("__url__");
  });
  it("buckets followers in powers of four", () => {
    expect([0, 1, 3, 4, 15, 16, 1e9].map(followerBucket)).toEqual([0, 1, 1, 2, 2, 3, 11]);
  });
});
