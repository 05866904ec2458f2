// Lookup tables for normalisation: confusable letters and leetspeak digits. Data only.

/**
 * Cyrillic and Greek letters (lower case, after toLowerCase) that render like a
 * Latin letter. Only the look-alikes evaders use; a full Unicode confusables table
 * would also fold letters that merely resemble each other in some fonts.
 */
export const HOMOGLYPHS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Cyrillic
    а: "a",
    в: "b",
    е: "e",
    ё: "e",
    һ: "h",
    і: "i",
    ї: "i",
    ј: "j",
    к: "k",
    м: "m",
    н: "h",
    о: "o",
    р: "p",
    с: "c",
    т: "t",
    у: "y",
    х: "x",
    ѕ: "s",
    ԁ: "d",
    ԛ: "q",
    ԝ: "w",
    ү: "y",
    ӏ: "l",
    ɡ: "g",
    ɑ: "a",
    ı: "i",
    // Greek
    α: "a",
    β: "b",
    ε: "e",
    η: "n",
    ι: "i",
    κ: "k",
    ν: "v",
    ο: "o",
    ρ: "p",
    τ: "t",
    υ: "u",
    χ: "x",
    ω: "w",
    γ: "y",
    μ: "u",
  }),
);

/** Leetspeak digits and symbols, folded only inside words that contain letters. */
export const LEET: ReadonlyMap<string, string> = new Map(
  Object.entries({ "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s" }),
);
