// Redis reads and writes of the spike detector: candidate tops, per-key series, the watch list,
// the detector lease and the spike records. Everything one key touches shares its hash tag.
import { CATEGORIES, type Category, type KeyKind, type Spike } from "../domain";
import { CANDIDATE_SHARDS, candidateShard, type Keys } from "../keys";
import { batch, execChecked, type RedisClient } from "../redis/client";

export interface Candidate {
  kind: KeyKind;
  value: string;
  category: Category;
  flagged: number;
}

export interface Series {
  flagged: number[];
  posts: number[];
  authors: number;
  reach: number;
  newAccounts: number;
}

export class WindowReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Top `k` keys of each kind by flagged posts of each category over the given buckets: the union
   * over the buckets in Redis per sub-set (one slot each), then the sub-sets merged here (a member
   * lives in one sub-set only, so merging is concatenation).
   */
  async candidates(kinds: readonly KeyKind[], buckets: readonly number[], k: number): Promise<Candidate[]> {
    const pipe = batch(this.redis);
    const order: [KeyKind, Category][] = [];
    for (const kind of kinds)
      for (const c of CATEGORIES) {
        order.push([kind, c]);
        for (let shard = 0; shard < CANDIDATE_SHARDS; shard++) {
          const sets = buckets.map((b) => this.keys.candidates(kind, c, b, shard));
          pipe.call("ZUNION", sets.length, ...sets, "WITHSCORES");
        }
      }
    const replies = await execChecked(pipe);
    const out: Candidate[] = [];
    order.forEach(([kind, category], i) => {
      const pairs: Candidate[] = [];
      for (let shard = 0; shard < CANDIDATE_SHARDS; shard++) {
        const [err, flat] = replies[i * CANDIDATE_SHARDS + shard] ?? [];
        if (err) throw err;
        // Redis answers [member, score, ...] (RESP2) or [[member, score], ...] (RESP3).
        const list = (flat as (string | [string, string])[]).flat();
        for (let j = 0; j + 1 < list.length; j += 2)
          pairs.push({ kind, value: list[j] ?? "", category, flagged: Number(list[j + 1]) });
      }
      pairs.sort((a, b) => b.flagged - a.flagged);
      out.push(...pairs.slice(0, k));
    });
    return out;
  }

  /** Flagged and total posts per bucket, plus distinct authors, reach and new accounts over `recent`. */
  async series(c: Candidate, buckets: readonly number[], recent: readonly number[]): Promise<Series> {
    const tag = this.keys.tag(c.kind, c.value);
    const shard = candidateShard(c.value);
    const pipe = batch(this.redis);
    for (const b of buckets) pipe.zscore(this.keys.candidates(c.kind, c.category, b, shard), c.value);
    for (const b of buckets) pipe.zscore(this.keys.candidates(c.kind, "posts", b, shard), c.value);
    pipe.pfcount(...recent.map((b) => this.keys.authors(tag, b)));
    for (const b of recent) pipe.hmget(this.keys.bucket(tag, b), "reach", "newacct");
    const r = await execChecked(pipe);
    const val = (i: number) => {
      const [err, v] = r[i] ?? [];
      if (err) throw err;
      return v;
    };
    const n = buckets.length;
    let reach = 0;
    let newAccounts = 0;
    recent.forEach((_, j) => {
      const [rc, na] = (val(2 * n + 1 + j) as (string | null)[]) ?? [];
      reach += Number(rc ?? 0);
      newAccounts += Number(na ?? 0);
    });
    return {
      flagged: buckets.map((_, i) => Number(val(i) ?? 0)),
      posts: buckets.map((_, i) => Number(val(n + i) ?? 0)),
      authors: Number(val(2 * n) ?? 0),
      reach,
      newAccounts,
    };
  }

  /**
   * One key's figures over several horizons ending now: posts (the larger of its candidate
   * tallies and its full windows), flagged posts per category, distinct authors, reach and
   * reports (from its full windows). A one-off key has neither (docs/windows.md, "Keys that
   * matter"): it reads as zero.
   */
  async horizons(kind: KeyKind, value: string, nowSec: number, bucketSeconds: number, horizonsSec: readonly number[]) {
    const tag = this.keys.tag(kind, value);
    const out: Record<string, Record<string, number>> = {};
    for (const h of horizonsSec) {
      const buckets: number[] = [];
      for (let b = Math.floor(nowSec / bucketSeconds) * bucketSeconds; b > nowSec - h; b -= bucketSeconds)
        buckets.push(b);
      const pipe = batch(this.redis);
      for (const b of buckets) pipe.zscore(this.keys.candidates(kind, "posts", b, candidateShard(value)), value);
      for (const b of buckets)
        pipe.hmget(this.keys.bucket(tag, b), "reach", "reports", "posts", ...CATEGORIES.map((c) => `flagged:${c}`));
      pipe.pfcount(...buckets.map((b) => this.keys.authors(tag, b)));
      const r = await execChecked(pipe);
      const fig: Record<string, number> = { posts: 0, reach: 0, reports: 0, authors: 0 };
      for (const c of CATEGORIES) fig[`flagged:${c}`] = 0;
      buckets.forEach((_, i) => {
        const row = (r[buckets.length + i]?.[1] ?? []) as (string | null)[];
        fig.posts = (fig.posts ?? 0) + Math.max(Number(r[i]?.[1] ?? 0), Number(row[2] ?? 0));
        fig.reach = (fig.reach ?? 0) + Number(row[0] ?? 0);
        fig.reports = (fig.reports ?? 0) + Number(row[1] ?? 0);
        CATEGORIES.forEach((c, j) => (fig[`flagged:${c}`] = (fig[`flagged:${c}`] ?? 0) + Number(row[j + 3] ?? 0)));
      });
      fig.authors = Number(r[2 * buckets.length]?.[1] ?? 0);
      out[`${h}s`] = fig;
    }
    return out;
  }

  /** The stream's flagged share per category over the given buckets. */
  async streamShare(buckets: readonly number[]): Promise<Record<Category, number>> {
    const tag = this.keys.tag("stream", "all");
    const pipe = this.redis.pipeline();
    for (const b of buckets) pipe.hmget(this.keys.bucket(tag, b), "posts", ...CATEGORIES.map((c) => `flagged:${c}`));
    const r = await execChecked(pipe);
    let posts = 0;
    const flagged = CATEGORIES.map(() => 0);
    for (const [err, v] of r) {
      if (err) throw err;
      const row = v as (string | null)[];
      posts += Number(row[0] ?? 0);
      CATEGORIES.forEach((_, i) => (flagged[i] = (flagged[i] ?? 0) + Number(row[i + 1] ?? 0)));
    }
    return Object.fromEntries(CATEGORIES.map((c, i) => [c, posts > 0 ? (flagged[i] ?? 0) / posts : 0])) as Record<
      Category,
      number
    >;
  }

  /** Asks every worker to count these keys ("kind|value") in full until `untilMs`; drops expired entries. */
  async watch(tags: readonly string[], nowMs: number, untilMs: number): Promise<void> {
    const key = this.keys.hot();
    const pipe = this.redis.pipeline();
    for (const t of tags) pipe.zadd(key, "GT", untilMs, t);
    pipe.zremrangebyscore(key, "-inf", nowMs);
    pipe.pexpire(key, Math.max(1, untilMs - nowMs));
    await execChecked(pipe);
  }

  /** True when this worker holds (or just took) the detector lease. */
  async holdLease(id: string, ttlMs: number): Promise<boolean> {
    const key = this.keys.detectorLease();
    if ((await this.redis.set(key, id, "PX", ttlMs, "NX")) === "OK") return true;
    if ((await this.redis.get(key)) !== id) return false;
    await this.redis.pexpire(key, ttlMs);
    return true;
  }

  /**
   * Records a spike. Returns true the first time this (type, key) is seen within `ttlSeconds`:
   * only then is it appended to the spikes stream, so replays and racing detectors add it once.
   */
  async recordSpike(s: Spike, ttlSeconds: number): Promise<boolean> {
    const key = this.keys.spike(s.type, this.keys.tag(s.kind, s.key));
    const first = await this.redis.hsetnx(key, "firstDetectedAt", s.detectedAt);
    const { detectedAt, ...rest } = s;
    await execChecked(
      this.redis
        .multi()
        .hset(key, { ...rest, lastDetectedAt: detectedAt })
        .expire(key, ttlSeconds),
    );
    if (first === 1) await this.redis.xadd(this.keys.spikes(), "MAXLEN", "~", 10000, "*", "spike", JSON.stringify(s));
    return first === 1;
  }

  /** Spikes recorded since the stream id `from` ("0" for all). */
  async readSpikes(from = "0"): Promise<{ id: string; spike: Spike }[]> {
    const rows = await this.redis.xrange(this.keys.spikes(), from === "0" ? "-" : `(${from}`, "+");
    return rows.map(([id, fields]) => ({ id, spike: JSON.parse(fields[1] ?? "{}") as Spike }));
  }
}
