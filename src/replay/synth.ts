// Realistic synthetic firehose: mixed English/Chinese posts, long-tail author activity (Zipf),
// a rotating set of trending hashtags. Deterministic for a seed, so benchmarks replay the same data.
import type { Post } from "../domain";

/** mulberry32: a tiny, fast, seedable PRNG (quality is ample for traffic shapes). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EN = [
  "Just finished my morning run, the weather is perfect today",
  "Anyone else watching the game tonight? That last goal was unreal",
  "New coffee place downtown is worth the queue, great flat white",
  "Reading a fascinating book about the history of maps and explorers",
  "Traffic on the ring road is terrible again, leave early if you can",
  "Our team shipped the release today, proud of everyone involved",
  "Can someone recommend a good laptop for programming under 1000",
  "The city council meeting about the new park is on Thursday evening",
  "Made dumplings from scratch for the first time, they were delicious",
  "Concert tickets sold out in five minutes, so disappointed",
  "Museum is free this weekend, the impressionist exhibition is stunning",
  "Rain all week but the garden looks happier than ever",
];
const ZH = [
  "今天天气真好，和朋友去公园散步了",
  "晚上吃了火锅，味道特别正宗，推荐给大家",
  "新手机到了，拍照效果比想象中好很多",
  "周末去图书馆看书，安静又舒服",
  "这部电视剧的结局太感人了，哭了好久",
  "地铁又晚点了，上班差点迟到",
  "刚学会做红烧肉，家里人都说好吃",
  "今年的春节准备回老家过年，好期待",
  "公司楼下新开了一家咖啡店，环境不错",
  "孩子今天考试考了满分，特别开心",
  "跑完步感觉整个人都轻松了",
  "这本书讲的是中国古代的科技发展，很有意思",
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
}

export class Synth {
  private readonly next: () => number;
  private readonly cdf: Float64Array;
  private i = 0;

  constructor(private readonly o: SynthOptions) {
    this.next = rng(o.seed);
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
    const hashtags = this.next() < 0.3 ? [trend] : [];
    const text = `${this.pick(zh ? ZH : EN)}${hashtags.length ? ` #${trend}` : ""}`;
    const h = (a * 2654435761) >>> 0;
    return {
      id: `${this.o.idPrefix ?? "s"}${n}`,
      author: { id: `u${a}`, followers: Math.floor(Math.exp(2 + (h % 1000) / 120)), accountAgeDays: 30 + (h % 3000) },
      text,
      lang: zh ? "zh" : "en",
      createdAt: new Date(tMs).toISOString(),
      hashtags,
      mentions: this.next() < 0.1 ? [`u${this.author()}`] : [],
    };
  }
}
