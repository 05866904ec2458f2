// Realistic synthetic firehose: mixed English/Chinese posts, long-tail author activity (Zipf),
// a rotating set of trending hashtags. Deterministic for a seed, so benchmarks replay the same data.
import type { Post } from "../domain";
import { mulberry32 } from "../random";
import { clusterBands } from "../windows/minhash";

// Posts are composed from clauses, so the stream has the variety of real text (thousands of
// distinct posts per language) rather than a handful of templates repeated.
const EN = [
  [
    "Just finished my morning run",
    "Anyone else watching the game tonight?",
    "New coffee place downtown is worth the queue",
    "Reading a fascinating book about old maps",
    "Traffic on the ring road is terrible again",
    "Our team shipped the release today",
    "Made dumplings from scratch for the first time",
    "Concert tickets sold out in five minutes",
    "The museum is free this weekend",
    "Rain all week but the garden looks happier",
    "Finally fixed the bug that haunted me for days",
    "Tried the new ramen place near the station",
  ],
  [
    "and honestly",
    "so I think",
    "which means",
    "but to be fair",
    "and of course",
    "so naturally",
    "and somehow",
    "because apparently",
  ],
  [
    "the weather is perfect today",
    "that last goal was unreal",
    "the flat white is great",
    "I learned a lot",
    "leave early if you can",
    "everyone worked so hard",
    "they were delicious",
    "I am so disappointed",
    "the exhibition is stunning",
    "spring is coming",
    "I need a holiday",
    "it was worth the wait",
  ],
];
const ZH = [
  [
    "今天天气真好",
    "晚上吃了火锅",
    "新手机到了",
    "周末去图书馆看书",
    "这部电视剧的结局太感人了",
    "地铁又晚点了",
    "刚学会做红烧肉",
    "今年春节准备回老家",
    "公司楼下新开了一家咖啡店",
    "孩子今天考试考了满分",
    "跑完步感觉轻松多了",
    "这本书讲古代科技发展",
  ],
  ["，说实话", "，感觉", "，而且", "，没想到", "，果然", "，总之", "，还是", "，就是"],
  [
    "和朋友去公园散步了",
    "味道特别正宗",
    "拍照效果比想象中好",
    "安静又舒服",
    "哭了好久",
    "差点迟到",
    "家里人都说好吃",
    "好期待",
    "环境不错",
    "特别开心",
    "整个人都精神了",
    "很有意思",
  ],
];
const TAILS = [
  "",
  "",
  " lol",
  " tbh",
  " 😂",
  "!!",
  " honestly",
  " again",
  " 🙂",
  " haha",
  "...",
  " 🎉",
  " so yeah",
  " 👍",
  " 🤔",
  " 😅",
  " ✨",
  " 🙏",
  " omg",
  " ok",
];
const TAILS_ZH = [
  "",
  "",
  "哈哈",
  "真的",
  "唉",
  "👍",
  "😂",
  "！！",
  "～",
  "。。。",
  "呀",
  "啦",
  "😅",
  "🙏",
  "嘿嘿",
  "好吧",
  "✨",
  "🎉",
  "呢",
  "吧",
];
const TOPICS = [
  "music",
  "football",
  "food",
  "travel",
  "tech",
  "weather",
  "movies",
  "books",
  "生活",
  "美食",
  "旅行",
  "体育",
];

export interface SynthOptions {
  seed: number;
  authors: number;
  /** Share of posts in Chinese, 0..1. */
  zhShare: number;
  /** Event time of the first post, ms since epoch, and posts per second of event time. */
  startMs: number;
  ratePerSec: number;
  idPrefix?: string;
  /** Give every post a never-seen hashtag and author too (a stream of new keys, for soak runs). */
  freshKeys?: boolean;
  /** Real texts to draw from instead of composed ones (see corpus.ts). */
  corpus?: { en: readonly string[]; zh: readonly string[] };
}

export class Synth {
  private readonly next: () => number;
  private readonly cdf: Float64Array;
  private i = 0;

  private readonly corpus: { en: readonly string[]; zh: readonly string[] } | undefined;

  constructor(private readonly o: SynthOptions) {
    this.next = mulberry32(o.seed);
    // Real corpora carry retweets (PHEME has 60 copies of one Ferguson tweet): drawn at random,
    // they would form near-duplicate clusters that open incidents on background traffic. One
    // text per near-duplicate family keeps the background what it is meant to be: unremarkable.
    this.corpus = o.corpus && { en: onePerFamily(o.corpus.en), zh: onePerFamily(o.corpus.zh) };
    // Zipf(1.1) over authors: a few very active accounts and a long tail.
    this.cdf = new Float64Array(o.authors);
    let sum = 0;
    for (let k = 0; k < o.authors; k++) this.cdf[k] = sum += 1 / Math.pow(k + 1, 1.1);
    for (let k = 0; k < o.authors; k++) this.cdf[k] = (this.cdf[k] ?? 0) / sum;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)] as T;
  }

  private author(): number {
    const u = this.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cdf[mid] ?? 1) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  post(): Post {
    const n = this.i++;
    const a = this.author();
    const zh = this.next() < this.o.zhShare;
    // Trending hashtags rotate every ten minutes of event time.
    const tMs = this.o.startMs + Math.floor((n * 1000) / this.o.ratePerSec);
    const trend = `${this.pick(TOPICS)}${Math.floor(tMs / 600_000) % 7}`;
    const hashtags = this.o.freshKeys ? [`new${n}`] : this.next() < 0.3 ? [trend] : [];
    const [first, middle, last] = zh ? ZH : EN;
    const sep = zh ? "" : " ";
    const tail = this.pick(zh ? TAILS_ZH : TAILS);
    const real = this.corpus?.[zh ? "zh" : "en"];
    const body = real?.length
      ? this.pick(real)
      : [this.pick(first ?? []), this.pick(middle ?? []), this.pick(last ?? [])].join(sep) + tail;
    const text = `${body}${hashtags[0] ? ` #${hashtags[0]}` : ""}`;
    const h = (a * 2654435761) >>> 0;
    return {
      id: `${this.o.idPrefix ?? "s"}${n}`,
      author: {
        id: this.o.freshKeys ? `new${n}` : `u${a}`,
        followers: Math.floor(Math.exp(2 + (h % 1000) / 120)),
        accountAgeDays: 30 + (h % 3000),
      },
      text,
      lang: zh ? "zh" : "en",
      createdAt: new Date(tMs).toISOString(),
      hashtags,
      mentions: this.next() < 0.1 ? [`u${this.author()}`] : [],
    };
  }
}

/**
 * One text per near-duplicate family: a text is kept only when none of its MinHash bands (the
 * pipeline's cluster keys) was seen in a kept text, so no two kept texts share a cluster key.
 */
function onePerFamily(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  return texts.filter((t) => {
    const bands = clusterBands(t.normalize("NFKC").toLowerCase());
    if (bands.some((b) => seen.has(b))) return false;
    for (const b of bands) seen.add(b);
    return true;
  });
}
