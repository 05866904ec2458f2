// One near-duplicate cluster identity across MinHash bands. A text has four band keys
// (windows/minhash.ts) and lightly edited copies share only some of them, so one burst spikes on
// several bands. The detector resolves each spiking band to the cluster's first band seen in
// this period, kept in Redis: a band whose sampled posts also carry an already-known band joins
// that band's cluster; when the sampled posts tie two known clusters, the merge is recorded.
import type { RedisClient } from "../redis/client";
import type { Keys } from "../keys";
import { readSample } from "../incidents/store";

/** Cluster identities last this long (two periods are read: the current and the one before). */
const PERIOD_MS = 3_600_000;
const MERGES_KEPT = 1000;

export class ClusterIdentity {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The cluster (its first band) a spiking band belongs to. */
  async resolve(band: string, nowMs: number): Promise<string> {
    const period = Math.floor(nowMs / PERIOD_MS);
    const cur = this.keys.clusterAlias(period);
    const prev = this.keys.clusterAlias(period - 1);
    const known = (await this.redis.hget(cur, band)) ?? (await this.redis.hget(prev, band));
    const co = await this.coBands(band);
    const found: string[] = [];
    for (const b of co) {
      const c = (await this.redis.hget(cur, b)) ?? (await this.redis.hget(prev, b));
      if (c && !found.includes(c)) found.push(c);
    }
    const canon = known ?? found[0] ?? band;
    const pipe = this.redis.pipeline();
    pipe.hset(cur, band, canon);
    for (const b of co) pipe.hsetnx(cur, b, canon);
    for (const other of found.filter((c) => c !== canon))
      pipe.lpush(this.keys.clusterMerges(), JSON.stringify({ cluster: other, into: canon, via: band, at: nowMs }));
    pipe.ltrim(this.keys.clusterMerges(), 0, MERGES_KEPT - 1);
    pipe.pexpire(cur, PERIOD_MS * 2);
    await pipe.exec();
    return canon;
  }

  /** Other bands carried by at least a quarter (and two) of the band's sampled posts. */
  private async coBands(band: string): Promise<string[]> {
    const sample = await readSample(this.redis, this.keys, this.keys.tag("cluster", band));
    const posts = sample.map((p) => p.tags ?? []);
    const counts = new Map<string, number>();
    for (const tags of posts)
      for (const t of tags)
        if (t.startsWith("{cluster:")) {
          const b = t.slice("{cluster:".length, -1);
          if (b !== band) counts.set(b, (counts.get(b) ?? 0) + 1);
        }
    const min = Math.max(2, Math.ceil(posts.length / 4));
    return [...counts].filter(([, n]) => n >= min).map(([b]) => b);
  }
}
