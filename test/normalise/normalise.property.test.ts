// Invariants of normalise() over arbitrary input, including lone surrogates.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalise } from "../../src/normalise";
import { isAlreadyFolded } from "../../src/normalise/clean";
import { foldPieces } from "../../src/normalise/words";

const ZERO_WIDTH = /[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f\u180e]/;
// Strings built from the characters evaders actually use, so shrinking finds real bugs.
const tricky = fc.constantFrom(
  ..."aeiostxyz01345@$ .-_*·!\u200b\u200d\ufeff\u00ad\u3000ＡＢｉ１аеорсіοα傻逼這個説转发🙂\ud800\udc00é\u0301İΣς\n\t".split(
    "",
  ),
  "http://t.co/x",
  "www.",
);
const trickyString = fc.array(tricky, { maxLength: 40 }).map((a) => a.join(""));
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  trickyString,
);

describe("normalise properties", () => {
  it("is idempotent", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const once = normalise(s);
        expect(normalise(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it("never throws and leaves no zero-width characters or lone surrogates", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const out = normalise(s);
        expect(ZERO_WIDTH.test(out)).toBe(false);
        expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(out)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps plain lower-case ASCII words unchanged", () => {
    const word = fc.stringMatching(/^[a-z]{2,10}$/).filter((w) => !/(.)\1\1/.test(w));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), (words) => {
        const text = words.join(" ");
        expect(normalise(text)).toBe(text);
      }),
    );
  });

  it("only skips folding ASCII text that folding would not change", () => {
    const ascii = fc.array(fc.constantFrom(..."ab1o3@$ .-_*!x0".split("")), { maxLength: 30 }).map((a) => a.join(""));
    fc.assert(
      fc.property(
        fc.oneof(ascii, fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })),
        (raw) => {
          const s = raw.toLowerCase();
          if (isAlreadyFolded(s)) expect(foldPieces(s)).toBe(s);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
