// The text every model sees: normalised, insult abbreviations expanded, routed by script.
import { hasHan, normalise } from "../normalise";
import { expandInsults } from "./lexicon";
import type { Lang } from "./features";

/** Text as the models were trained on it. `normalised` skips the fold when the caller has it. */
export function prepare(text: string, normalised?: string): string {
  return expandInsults(normalised ?? normalise(text));
}

/** Chinese characters route a post to the zh models; everything else to the en models. */
export function routeLang(prepared: string): Lang {
  return hasHan(prepared) ? "zh" : "en";
}
