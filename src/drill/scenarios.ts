// Drill scenarios (预案演练): named incidents injected into background traffic. Each scenario is
// a burst of posts over a few seconds from its own accounts, with the incident type the plan
// expects it to open — or none, for the benign trend and the noisy author. Pure.
import type { IncidentType, Post, Report } from "../domain";
import { mulberry32 } from "../random";

export interface Scenario {
  name: string;
  description: string;
  /** The incident type it must open; undefined when it must open nothing harmful. */
  expect: IncidentType | undefined;
  /** Posts of the burst, in order, spread over `seconds`. */
  posts(startMs: number, seed: number): Post[];
  seconds: number;
  /**
   * The readable keys the scenario is built around (its hashtag, domain or mention target; for a
   * text-only scenario a phrase of its text): its incident's title must contain one of them.
   */
  keys?(seed: number): string[];
  /** User reports sent with the burst (report floods). */
  reports?(startMs: number, seed: number): Report[];
  /** The posts arrive this long after they were written (a backlog: a worker catching up). */
  lateSeconds?: number;
  /** Incident types the scenario must not open (besides anything for a benign one). */
  forbid?: IncidentType[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function burst(
  name: string,
  count: number,
  seconds: number,
  startMs: number,
  make: (i: number, r: () => number) => Omit<Post, "id" | "createdAt">,
  seed: number,
): Post[] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `drill-${name}-${seed}-${i}`,
    createdAt: iso(startMs + Math.floor((i * seconds * 1000) / count)),
    ...make(i, r),
  }));
}

const account = (name: string, seed: number, i: number, followers: number, accountAgeDays: number) => ({
  id: `drill-${name}-${seed}-u${i}`,
  followers,
  accountAgeDays,
});

const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;

const RUMOUR_EDITS = ["", "！！", "，速看", "，删前快看", "。真的假的？", " 转发", "，大家注意"];
const ABUSE = [
  "you are a worthless idiot, nobody wants you here",
  "shut up you stupid moron, you pathetic loser",
  "what a disgusting piece of trash you are, idiot",
  "you dumb bitch, get off this site",
  "你这个傻逼，滚出微博",
  "脑残一个，真恶心，去死吧",
];
const NORMAL = [
  "What a match tonight, both teams played brilliantly",
  "Can't believe that last-minute goal, football is amazing",
  "Watching the final with friends, great atmosphere",
  "今晚的比赛太精彩了，两队都踢得很好",
  "和朋友一起看决赛，气氛特别好",
  "The goalkeeper deserves man of the match",
];

// A rumour retold, not copied: every post says the same thing in its own words, each with an
// unnamed source, a claim of suppression and a push to spread, in some order, some leaving one out.
const PARAPHRASE = {
  en: {
    claim: [
      "the tap water in Millbrook has been poisoned",
      "someone put something toxic into Millbrook's water supply",
      "Millbrook's drinking water is contaminated with chemicals",
      "the reservoir that feeds Millbrook was poisoned last night",
      "the water coming out of Millbrook taps is not safe, it was tampered with",
    ],
    source: [
      "My cousin who works at the water plant says",
      "A friend of mine at the utility told me",
      "I heard from a nurse at the hospital that",
      "Someone on the inside confirmed",
      "My neighbour's husband works for the council and he says",
    ],
    silence: [
      "and the authorities are keeping it quiet",
      "and the council is covering it up",
      "and the media won't report it",
      "but officials refuse to comment",
      "and they don't want you to know",
    ],
    spread: [
      "Share before they delete this!",
      "Tell everyone you know.",
      "Please share and warn your family.",
      "Spread the word before it's taken down.",
      "Pass it on!",
    ],
  },
  zh: {
    // Another claim than the "rumour" scenario's: each drill must stand on its own posts.
    claim: [
      "地铁三号线的隧道出现了大裂缝，随时可能塌",
      "三号线隧道漏水严重，工程师说撑不过这个月",
      "地铁三号线底下的土层已经空了，迟早出大事",
      "三号线好几个站的墙体都裂开了，千万别坐",
      "地铁三号线要塌了，施工方偷工减料",
      "三号线人民广场站下面发现了空洞",
      "三号线的钢筋用的是劣质货，检测根本没过",
      "地铁三号线昨晚紧急停运就是因为隧道变形",
    ],
    source: [
      "据说",
      "听朋友说，",
      "我表哥在地铁公司上班，他说",
      "内部人士透露，",
      "网传",
      "有消息称",
      "我同事在施工队，他说",
      "知情人士说",
    ],
    silence: ["官方隐瞒了真相", "上面不让说", "媒体都不报道", "有关部门封锁消息", "新闻一个字都没提，官方在隐瞒"],
    spread: [
      "求扩散！",
      "告诉身边的人！",
      "转告家人这几天别坐三号线",
      "删前快看",
      "让更多人知道！",
      "大家注意安全，转告亲友",
      "看完就删，赶紧转",
    ],
  },
} as const;

function paraphrase(lang: "en" | "zh", r: () => number): string {
  const p = PARAPHRASE[lang];
  const skip = Math.floor(r() * 4); // 0: keep all three cues; 1–3: leave that one out
  const source = skip === 1 ? "" : pick(r, p.source);
  const claim: string = pick(r, p.claim);
  const silence = skip === 2 ? "" : pick(r, p.silence);
  const spread = skip === 3 ? "" : pick(r, p.spread);
  if (lang === "zh") return [source.replace(/，$/, ""), claim, silence, spread].filter(Boolean).join("，");
  const sentence = [source, claim, silence].filter(Boolean).join(" ");
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.${spread ? ` ${spread}` : ""}`;
}

function paraphrasedRumour(lang: "en" | "zh", tag: string): Scenario {
  const name = `rumour-paraphrase-${lang}`;
  return {
    name,
    description: `a false claim retold in their own words by many accounts (${lang === "en" ? "English" : "Chinese"})`,
    expect: "rumour",
    seconds: 20,
    keys: () => [tag],
    posts: (start, seed) =>
      burst(
        name,
        45,
        20,
        start,
        (i, r) => ({
          author: account(name, seed, i, 30 + Math.floor(r() * 3000), 60 + i * 7),
          text: paraphrase(lang, r),
          lang,
          hashtags: [tag],
        }),
        seed,
      ),
  };
}

/** A valid-looking Chinese resident ID (ISO 7064 MOD 11-2 check digit). */
export function residentId(body17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body17].reduce((s, d, i) => s + Number(d) * (w[i] ?? 0), 0);
  return body17 + "10X98765432"[sum % 11];
}

export const SCENARIOS: Scenario[] = [
  {
    name: "rumour",
    description: "a false claim copied with small edits by many accounts",
    expect: "rumour",
    seconds: 20,
    keys: () => ["自来水投毒"],
    posts: (start, seed) =>
      burst(
        "rumour",
        60,
        20,
        start,
        (i, r) => ({
          author: account("rumour", seed, i, 50 + Math.floor(r() * 5000), 100 + i),
          text: `紧急扩散！市自来水厂被人投毒，已经有很多人中毒住院，政府一直在隐瞒消息${pick(r, RUMOUR_EDITS)}`,
          lang: "zh",
          hashtags: ["自来水投毒"],
        }),
        seed,
      ),
  },
  paraphrasedRumour("en", "millbrookwater"),
  paraphrasedRumour("zh", "地铁三号线"),
  {
    name: "pileon",
    description: "an abuse pile-on against one account",
    expect: "abuse",
    seconds: 20,
    keys: (seed) => [`drill_target_${seed}`],
    posts: (start, seed) =>
      burst(
        "pileon",
        50,
        20,
        start,
        (i, r) => ({
          author: account("pileon", seed, i, 20 + Math.floor(r() * 800), 200 + i),
          text: `@drill_target_${seed} ${pick(r, ABUSE)}`,
          mentions: [`drill_target_${seed}`],
        }),
        seed,
      ),
  },
  {
    name: "botflood",
    description: "new zero-follower accounts flooding one link",
    expect: "attack",
    seconds: 15,
    keys: () => ["free-coin-drop.example"],
    posts: (start, seed) =>
      burst(
        "botflood",
        80,
        15,
        start,
        (i) => ({
          author: account("botflood", seed, i, 0, 1),
          text: `Get FREE crypto now!!! claim your bonus at http://free-coin-drop.example/claim?ref=${i}`,
          urls: [`http://free-coin-drop.example/claim?utm_source=bot${i}`],
        }),
        seed,
      ),
  },
  {
    name: "leak",
    description: "a person's phone and ID-card numbers passed around",
    expect: "data_leak",
    seconds: 15,
    keys: () => ["人肉出来了"],
    posts: (start, seed) =>
      burst(
        "leak",
        30,
        15,
        start,
        (i, r) => ({
          author: account("leak", seed, i, 100 + Math.floor(r() * 3000), 300 + i),
          text: `人肉出来了，就是他，手机号13812345678，身份证${residentId("11010119900307447")}，大家去找他${pick(r, ["", "！", "，转"])}`,
          lang: "zh",
        }),
        seed,
      ),
  },
  {
    name: "trend",
    description: "a benign trending hashtag: many posts, nothing harmful",
    expect: undefined,
    seconds: 20,
    keys: () => ["WorldCupFinal"],
    posts: (start, seed) =>
      burst(
        "trend",
        400,
        20,
        start,
        (i, r) => ({
          author: account("trend", seed, i, 10 + Math.floor(r() * 10000), 500 + i),
          text: `${pick(r, NORMAL)} #WorldCupFinal`,
          hashtags: ["WorldCupFinal"],
        }),
        seed,
      ),
  },
  {
    name: "noisy",
    description: "one account posting a lot of ordinary posts",
    expect: undefined,
    seconds: 20,
    keys: () => [],
    posts: (start, seed) =>
      burst(
        "noisy",
        200,
        20,
        start,
        (i, r) => ({
          author: account("noisy", seed, 0, 300, 900),
          text: `${pick(r, NORMAL)} (${i})`,
        }),
        seed,
      ),
  },
];

const ABUSE_LATE = [
  "go away you ugly clown, everyone hates you",
  "you are garbage and a liar, delete your account",
  "shut your mouth you disgusting loser",
  "你就是个垃圾废物，滚",
  "垃圾东西，赶紧滚",
];

// Added for issue 17: report-bombing of a harmless post, and a pile-on that arrives 90 s late.
SCENARIOS.push(
  {
    name: "reportbomb",
    description: "60 accounts reporting one harmless post within 12 s (report-bombing)",
    expect: "attack",
    forbid: ["abuse"],
    seconds: 12,
    keys: () => ["report-bombing"],
    posts: (start, seed) => [
      {
        id: `drill-reportbomb-${seed}-post`,
        createdAt: iso(start - 2000),
        author: account("reportbomb", seed, 0, 800, 2000),
        text: "Fresh sourdough out of the oven this morning, the crust came out perfect",
      },
    ],
    reports: (start, seed) =>
      Array.from({ length: 60 }, (_, i) => ({
        id: `drill-reportbomb-${seed}-r${i}`,
        reporterId: `drill-reportbomb-${seed}-reporter${i}`,
        postId: `drill-reportbomb-${seed}-post`,
        targetAuthorId: `drill-reportbomb-${seed}-u0`,
        reason: "abuse" as const,
        createdAt: iso(start + Math.floor((i * 12_000) / 60)),
      })),
  },
  {
    name: "late",
    description: "an abuse pile-on whose posts arrive 90 s after they were written (a backlog)",
    expect: "abuse",
    seconds: 20,
    lateSeconds: 90,
    keys: (seed) => [`drill_late_${seed}`],
    posts: (start, seed) =>
      burst(
        "late",
        50,
        20,
        start,
        (i, r) => ({
          author: account("late", seed, i, 20 + Math.floor(r() * 800), 200 + i),
          text: `@drill_late_${seed} ${pick(r, ABUSE_LATE)}`,
          mentions: [`drill_late_${seed}`],
        }),
        seed,
      ),
  },
);

export const scenarioNames = SCENARIOS.map((s) => s.name);
