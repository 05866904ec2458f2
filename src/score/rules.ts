// Rule-based signals: personal data in a post (data_leak), spam/flood hints
// (attack), and rumour urgency markers. Pure; each hit is a named Contribution.
import type { Contribution, Post } from "../domain";

/** Combine independent hints: P(any fires) if each alone were that likely. */
export function noisyOr(hits: readonly Contribution[]): number {
  let keep = 1;
  for (const h of hits) keep *= 1 - h.weight;
  return 1 - keep;
}

// ---- data_leak ---------------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** GB 11643-1999 resident ID: region, a real birth date, sequence, ISO 7064 MOD 11-2 check. */
export function isValidCnId(id: string): boolean {
  if (!/^[1-9]\d{16}[\dX]$/i.test(id)) return false;
  const year = Number(id.slice(6, 10)),
    month = Number(id.slice(10, 12)),
    day = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] === id[17]?.toUpperCase();
}

/** Luhn (mod 10) check used by payment card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const CN_ID = /(?<![\dA-Za-z])[1-9]\d{16}[\dXx](?![\dA-Za-z])/g;
const CN_MOBILE = /(?<!\d)(?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g;
const INTL_PHONE = /(?<![\w+])(?:\+|00)[1-9]\d{0,2}[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?){1,4}\d{2,4}(?!\d)/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const CARD = /(?<!\d)\d(?:[\s-]?\d){12,18}(?!\d)/g;
const NON_DIGIT = /\D/g;

export const DATA_LEAK_WEIGHTS = {
  cn_id_card: 0.9,
  bank_card: 0.8,
  cn_mobile: 0.6,
  intl_phone: 0.5,
  email: 0.4,
} as const;

/**
 * One-pass, allocation-free pre-scan: false only when the text surely has no "@" and
 * no run of 6 digits (spaces and dashes allowed inside), even after NFKC. Most posts
 * stop here instead of paying for NFKC, a replace and a regex. Conservative: any
 * non-ASCII character outside the CJK ideograph/punctuation blocks and the non-digit
 * full-width forms counts as a possible digit.
 */
export function mayLeak(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x40) return true;
    let digit: boolean;
    if (c < 0x80) {
      if (c === 0x20 || c === 0x2d || (c >= 0x09 && c <= 0x0d)) continue; // \s and "-" are skipped
      digit = c >= 0x30 && c <= 0x39;
    } else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3001 && c <= 0x303f)) digit = false;
    else if (c >= 0xff01 && c <= 0xff5e) {
      if (c === 0xff20) return true; // full-width "@"
      digit = c >= 0xff10 && c <= 0xff19;
    } else digit = true;
    run = digit ? run + 1 : 0;
    if (run >= 6) return true;
  }
  return false;
}

/** Personal-data patterns in raw post text (full-width digits are folded first). */
export function dataLeakSignals(text: string): Contribution[] {
  if (!mayLeak(text)) return [];
  const s = /[^\x00-\x7f]/.test(text) ? text.normalize("NFKC") : text;
  if (!/\d{6}|@/.test(s.replace(/[\s-]/g, ""))) return [];
  const hits: Contribution[] = [];
  const hit = (rule: keyof typeof DATA_LEAK_WEIGHTS): void => {
    if (!hits.some((h) => h.feature === `rule:${rule}`))
      hits.push({ feature: `rule:${rule}`, weight: DATA_LEAK_WEIGHTS[rule] });
  };
  const ids = new Set<string>();
  for (const m of s.matchAll(CN_ID))
    if (isValidCnId(m[0])) {
      ids.add(m[0]);
      hit("cn_id_card");
    }
  for (const m of s.matchAll(CARD)) {
    const digits = m[0].replace(NON_DIGIT, "");
    if (!ids.has(digits) && digits.length >= 13 && luhnValid(digits)) hit("bank_card");
  }
  if (CN_MOBILE.test(s)) hit("cn_mobile");
  CN_MOBILE.lastIndex = 0;
  for (const m of s.matchAll(INTL_PHONE)) {
    const n = m[0].replace(NON_DIGIT, "").length;
    if (n >= 8 && n <= 15 && !/^(?:\+|00)86/.test(m[0])) hit("intl_phone");
  }
  if (EMAIL.test(s)) hit("email");
  EMAIL.lastIndex = 0;
  return hits.sort((a, b) => b.weight - a.weight);
}

// ---- attack (spam / flood hints) ---------------------------------------------

export interface AttackThresholds {
  /** Accounts younger than this many days are "new". */
  newAccountDays: number;
  manyMentions: number;
  manyHashtags: number;
  manyLinks: number;
}
export const DEFAULT_ATTACK: AttackThresholds = { newAccountDays: 7, manyMentions: 5, manyHashtags: 5, manyLinks: 2 };

const LINK = /https?:\/\/\S+|www\.\S+/g;
const LONG_RUN = /(.)\1{5,}/u;
const MENTION = /(?<![\w@])@\w+/g;
const HASHTAG = /#[^\s#]+/g;

/**
 * LONG_RUN without the regex for the common case: six identical UTF-16 units in a
 * row ("." excludes line terminators). Astral characters (emoji) are pairs, so
 * text with surrogates falls back to the regex.
 */
function hasLongRun(text: string): boolean {
  let prev = -1,
    run = 0,
    astral = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) astral = true;
    run = c === prev ? run + 1 : 1;
    prev = c;
    if (run >= 6 && c !== 0x0a && c !== 0x0d && c !== 0x2028 && c !== 0x2029) return true;
  }
  return astral && LONG_RUN.test(text);
}

export function attackSignals(post: Post, t: AttackThresholds = DEFAULT_ATTACK): Contribution[] {
  const hits: Contribution[] = [];
  const text = post.text;
  // The regexes run only when their leading character occurs at all (most posts: never).
  const linksInText = text.includes("http") || text.includes("www.") ? (text.match(LINK)?.length ?? 0) : 0;
  const links = Math.max(post.urls?.length ?? 0, linksInText);
  // Many links, or a post that is mostly links, is the classic spam shape.
  if (links >= t.manyLinks || (links >= 1 && text.split(/\s+/).filter(Boolean).length <= 3))
    hits.push({ feature: "rule:link_density", weight: 0.35 });
  if (hasLongRun(text)) hits.push({ feature: "rule:repeated_chars", weight: 0.2 });
  if (post.author.accountAgeDays < t.newAccountDays) hits.push({ feature: "rule:new_account", weight: 0.3 });
  if (post.author.followers === 0) hits.push({ feature: "rule:zero_followers", weight: 0.25 });
  const mentions = Math.max(post.mentions?.length ?? 0, text.includes("@") ? (text.match(MENTION)?.length ?? 0) : 0);
  if (mentions >= t.manyMentions) hits.push({ feature: "rule:many_mentions", weight: 0.35 });
  const tags = Math.max(post.hashtags?.length ?? 0, text.includes("#") ? (text.match(HASHTAG)?.length ?? 0) : 0);
  if (tags >= t.manyHashtags) hits.push({ feature: "rule:many_hashtags", weight: 0.3 });
  return hits.sort((a, b) => b.weight - a.weight);
}

// ---- rumour cues: hearsay, urgency, cover-up ------------------------------------

// Rumours travel with the same few moves whatever their claim: an unnamed source ("my cousin
// works at the plant", 据说), a push to spread ("share before they delete it", 紧急扩散) and
// a claim of suppression ("the council is keeping quiet", 官方隐瞒). Each family is written as
// patterns loose enough to survive paraphrase, and weighs in log-odds, added to the model's:
// one cue alone never flags a post the model clears, two or three together do.
//
// [name, pattern, log-odds weight, substrings one of which every match contains]: the pattern
// runs only when a substring occurs, so most posts cost a few includes().
const RELATIVE =
  "(?:cousin|friend|uncle|aunt|auntie|brother|sister|neighbou?r|mate|colleague|co-?worker|brother-in-law|sister-in-law|dad|mum|mom|wife|husband|son|daughter)";
const AUTHORITY =
  "(?:authorities|government|govt|officials|the council|council|the city|police|the media|media|mainstream media|msm|they|the company|health department|ministry|the state)";
const URGENCY: ReadonlyArray<readonly [string, RegExp, number, readonly string[]]> = [
  [
    "share_before_deleted",
    /(?:share|repost|rt|spread|copy|forward|screenshot|save)\b.{0,30}\bbefore\b.{0,25}\b(?:delet|remov|taken down|take it down|take this down|pull|gone|censor|scrub|wipe)/,
    2,
    ["before"],
  ],
  [
    "tell_everyone",
    /\b(?:tell|warn|alert|inform)\s+(?:every(?:one|body)|all (?:your|of your|you)|your (?:family|friends|loved ones|neighbou?rs|kids)|others|people you (?:know|love))\b|\bpass (?:this|it) on\b|\bspread the word\b|\bplease (?:share|retweet|rt|spread|repost|forward)\b|\bshare (?:this )?(?:now|widely|with every(?:one|body)|far and wide)\b|\bmake (?:this|it) (?:go )?viral\b/,
    1.5,
    ["tell", "warn", "alert", "inform", "pass", "spread", "please", "share", "viral"],
  ],
  [
    "hearsay",
    new RegExp(
      `\\b(?:my|a|our)\\s+(?:\\w+\\s+)?${RELATIVE}(?:'?s)?\\b(?:.{0,40}\\b(?:works?|working|worked)\\b|.{0,60}\\b(?:says|said|told|tells|swears|confirmed)\\b)|\\b${RELATIVE} of (?:mine|ours)\\b|\\b(?:i|we)\\s+(?:just\\s+)?(?:heard|was told|were told|got told)\\b|\\b(?:a |an )?insiders?\\b|\\bsomeone (?:who works|on the inside|inside)\\b|\\bsources? (?:say|says|tell|told|claim|confirm)\\b|\\bword is\\b|\\brumou?r (?:has it|is)\\b|\\breportedly\\b`,
    ),
    1.2,
    [
      "heard",
      "told",
      "insider",
      "inside",
      "source",
      "word is",
      "rumo",
      "reportedly",
      "work",
      "is a",
      "who is",
      "of mine",
      "of ours",
    ],
  ],
  [
    "cover_up",
    new RegExp(
      `\\b${AUTHORITY}\\b.{0,30}\\b(?:hiding|hide|covering|cover(?:ing)? (?:it |this )?up|cover-up|silent|(?:keep|keeping|kept) (?:it |this |quiet|silent)|won'?t (?:tell|report|say|admit)|not (?:telling|reporting|saying)|refus\\w* to (?:comment|say|tell|admit)|(?:don'?t|do not) want (?:you|us|people) to know|suppress\\w*|burying)|\\bmedia blackout\\b|\\bthey (?:don'?t|do not) want (?:you|us) to know\\b|\\bno one (?:is|will be) (?:reporting|talking about)\\b`,
    ),
    2,
    [
      "hid",
      "cover",
      "silent",
      "quiet",
      "tell",
      "report",
      "say",
      "refus",
      "want",
      "suppress",
      "bury",
      "blackout",
      "no one",
    ],
  ],
  ["breaking", /\bbreaking\b/, 0.5, ["breaking"]],
  [
    "zh_hearsay",
    /据说|据传|网传|传言|坊间传|有消息称|消息称|内部消息|内部人士|知情人士|小道消息|听(?:我|一个)?(?:朋友|亲戚|同事|同学)说/,
    1.2,
    ["据", "网传", "传", "消息", "内部", "知情", "听"],
  ],
  [
    "zh_relative_insider",
    /我(?:的)?(?:朋友|亲戚|表哥|表姐|表弟|表妹|堂哥|堂姐|同学|同事|邻居|舅舅|叔叔|阿姨|姐夫|老公|老婆)(?:就)?在.{0,12}(?:工作|上班|当|做)/,
    1.2,
    ["在"],
  ],
  [
    "zh_urgent_spread",
    /紧急扩散|求扩散|扩散周知|紧急转发|急转|快转|转发扩散|扩散出去|互相转告|转告|告诉身边|告诉家人|告诉你的家人|让更多人知道|大家注意|快告诉/,
    1.5,
    ["扩散", "转", "告诉", "让更多人", "大家注意"],
  ],
  [
    "zh_delete_soon",
    /删前|马上(?:就)?(?:被)?删|随时(?:会)?被删|即将被删|还没被删|看完就删|(?:会|就|要)被删|被删帖|删帖前/,
    2,
    ["删"],
  ],
  [
    "zh_cover_up",
    /(?:官方|政府|有关部门|上面|媒体|他们).{0,8}(?:隐瞒|瞒着|不让说|不敢说|不敢报|不公布|不报道|压下来|封锁)|封锁消息|不让报道|没有媒体报道|媒体都不报/,
    2,
    ["瞒", "不让", "不敢", "不公布", "不报道", "压下来", "封锁", "报道", "不报"],
  ],
  ["zh_look_now", /速看|速转|赶紧看|千万别/, 0.8, ["速", "赶紧看", "千万别"]],
  ["zh_repost", /转发/, 0.3, ["转发"]],
];

/** Rumour cues in normalised (lower-case, simplified) text; weights are log-odds. */
export function urgencySignals(normalised: string): Contribution[] {
  let hits: Contribution[] | null = null;
  for (const [name, re, weight, needles] of URGENCY) {
    let present = false;
    for (const w of needles) if (normalised.includes(w)) present = true;
    if (!present || !re.test(normalised)) continue;
    (hits ??= []).push({ feature: `rule:${name}`, weight });
  }
  if (hits === null) return [];
  return hits.sort((a, b) => b.weight - a.weight);
}

/** The log-odds the rumour cues add together. */
export function cueLogOdds(hits: readonly Contribution[]): number {
  let sum = 0;
  for (const h of hits) sum += h.weight;
  return sum;
}

// ---- explicit insults -------------------------------------------------------------

// The training sets hold few insults aimed at one person (COLD and SWSR are mostly about groups),
// so the abuse models score a bare "去死吧" or "贱人" low. Explicit insults and slurs are a cue in
// log-odds, added to the abuse model's like the rumour cues: strong when aimed at someone ("you
// …", "@…", 你…), weak in passing ("this fucking rain"). The abuse thresholds are chosen with the
// cue on, so its false alarms on ordinary traffic count against their budget.
const EN_INSULT_TRAINED =
  "(?:bitch\\w*|cunts?|fag|fags|faggots?|nigg(?:er|a|ah)s?|retard(?:ed|s)?|whores?|sluts?|idiots?|morons?|stupid|losers?|assholes?|dumbass\\w*|scum|worthless|pathetic|bastards?|dickheads?|piece of shit|kill yourself|kys|go die)";
/**
 * Insults the cue knows beyond those the committed models were trained without: mild words that
 * are abuse when aimed at someone ("you liar", "shut up"), as in OLID's offensive tweets.
 */
const EN_INSULT_MORE =
  "(?:liars?|fools?|clowns?|hypocrites?|cowards?|dumb|shut up|fuck (?:you|off|u)|screw you|go to hell)";
const EN_INSULT = `(?:${EN_INSULT_TRAINED}|${EN_INSULT_MORE})`;
/** Strong insults that stay insults inside a run of joined letters ("stupidbitch"). */
const EN_INSIDE = /bitch|nigger|faggot|whore|idiot|moron|retard|asshole/;
const EN_ANY = new RegExp(`\\b${EN_INSULT}\\b`);
const EN_ANY_TRAINED = new RegExp(`\\b${EN_INSULT_TRAINED}\\b`);
const EN_TARGETED = new RegExp(
  `\\b(?:you|u|ur|your|you're|youre|ya|@\\w+)\\b.{0,30}\\b${EN_INSULT}|\\b${EN_INSULT}\\b.{0,12}\\b(?:you|u)\\b`,
);
const ZH_INSULT_TRAINED =
  /傻逼|操你妈|你妈死了|日你妈|你妈逼|去死|贱人|贱货|狗东西|婊子|脑残|智障|白痴|畜生|废物|死全家|人渣|垃圾东西/;
/** Slurs of Weibo's gender quarrels (SWSR's and COLD's offensive comments), for the cue only. */
const ZH_INSULT = new RegExp(`${ZH_INSULT_TRAINED.source}|母狗|绿茶婊|田园女权|女拳|普信男|普信女|直男癌|捞女|渣男`);
const ZH_TARGETED = /你|妳|您|@|操你妈|你妈|滚/;

/** Curses and slurs that are abuse whatever the rest of the post says. */
const SEVERE = /操你妈|你妈死了|日你妈|你妈逼|死全家|\bnigger|\bfaggot|\bcunts?\b|\bkill yourself\b|\bkys\b/;

export const INSULT_WEIGHTS = { severe_insult: 5, targeted_insult: 3, insult: 1 } as const;

const DOUBLED = /([a-z])\1/;
const DOUBLED_ALL = /([a-z])\1/g;

/** Which language's insult list the text hits, if any. */
function insultIn(prepared: string, zh = ZH_INSULT, en = EN_ANY): "zh" | "en" | null {
  if (zh.test(prepared)) return "zh";
  return en.test(prepared) || EN_INSIDE.test(prepared) ? "en" : null;
}

/**
 * Explicit insults in prepared (normalised, abbreviation-expanded) text; weights are log-odds.
 * Letters doubled to dodge a filter ("biitch": normalise keeps two of a run) count too.
 */
export function insultSignals(prepared: string): Contribution[] {
  // Every post passes here: the doubled-letter fold is made only when the text itself has no hit.
  let text = prepared;
  let lang = insultIn(text);
  if (lang === null && DOUBLED.test(text)) {
    text = text.replace(DOUBLED_ALL, "$1");
    lang = insultIn(text);
  }
  if (lang === null) return [];
  // A post that is little more than the insult is a reply aimed at someone.
  const short = lang === "zh" ? text.length <= 12 : text.split(" ").length <= 4;
  const targeted =
    short ||
    (lang === "zh"
      ? ZH_TARGETED.test(text)
      : EN_TARGETED.test(text) || (/\b(?:you|u|ur)\b/.test(text) && EN_INSIDE.test(text)));
  const name = SEVERE.test(text) ? "severe_insult" : targeted ? "targeted_insult" : "insult";
  return [{ feature: `rule:${name}`, weight: INSULT_WEIGHTS[name] }];
}

/**
 * Whether prepared text holds an explicit insult or slur: training leaves such "ordinary" posts
 * out of its negatives. The plain first list, without the doubled-letter fold or the words added to
 * the cue since, is what trained the committed models: widening it would change their training data.
 */
export function hasExplicitInsult(prepared: string): boolean {
  return insultIn(prepared, ZH_INSULT_TRAINED, EN_ANY_TRAINED) !== null;
}
