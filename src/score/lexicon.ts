// Pinyin and abbreviation insults mapped to their Han form, so the zh models that
// learnt "傻逼" also see "sb" / "shabi". Applied to normalised text before routing.

/** Unambiguous forms: expanded wherever they stand as a whole ASCII word. */
const ALWAYS: Readonly<Record<string, string>> = {
  shabi: "傻逼",
  nmsl: "你妈死了",
  cnm: "操你妈",
  wcnm: "我操你妈",
  nmb: "你妈逼",
  nmd: "你妈的",
  rnm: "日你妈",
  tmd: "他妈的",
  mdzz: "妈的智障",
  zhizhang: "智障",
  naocan: "脑残",
  siquanjia: "死全家",
};
/** Short forms that are also English ("sb" = somebody): expanded only inside Chinese text. */
const IN_CHINESE: Readonly<Record<string, string>> = { sb: "傻逼", nc: "脑残", zz: "智障", lj: "垃圾", laji: "垃圾" };
/** Han homophone spellings of the same insults. */
const HAN_VARIANTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/傻[bx哔比笔币]|煞[笔比逼]|沙[比笔]|傻屄/g, "傻逼"],
  [/[草艹]你妈|操你[吗马]/g, "操你妈"],
  [/尼玛/g, "你妈"],
];

const wordsOf = (table: Readonly<Record<string, string>>): RegExp =>
  new RegExp(`(?<![a-z])(?:${Object.keys(table).join("|")})(?![a-z])`, "g");
const ALWAYS_RE = wordsOf(ALWAYS);
const IN_CHINESE_RE = wordsOf(IN_CHINESE);
const HAN = /[\u3400-\u9fff]/;

/** Expand insult abbreviations in normalised text; text without any returns unchanged. */
export function expandInsults(text: string): string {
  let s = text.replace(ALWAYS_RE, (w) => ALWAYS[w] ?? w);
  if (!HAN.test(s)) return s;
  for (const [re, han] of HAN_VARIANTS) s = s.replace(re, han);
  return s.replace(IN_CHINESE_RE, (w) => IN_CHINESE[w] ?? w);
}
