// Reads the detector's {spikes} stream with a consumer group: every spike is applied by one worker,
// acknowledged only after its incident is written, and claimed by another worker if this one
// dies first (XAUTOCLAIM), so a crash replays the spike and the open script dedupes it.
import type { Redis } from "ioredis";
import type { Spike } from "../domain";
import type { IncidentKeys } from "./keys";

export const SPIKES_GROUP = "incidents";

export interface SpikeFeedOptions {
  redis: Redis;
  keys: IncidentKeys;
  consumer: string;
  apply: (spike: Spike, ref: string) => Promise<unknown>;
  /** A spike pending this long with a silent consumer is taken over. */
  claimIdleMs?: number;
  batch?: number;
}

type Entry = [string, string[]];

export class SpikeFeed {
  private ready = false;

  constructor(private readonly o: SpikeFeedOptions) {}

  private async ensureGroup(): Promise<void> {
    if (this.ready) return;
    try {
      await this.o.redis.xgroup("CREATE", this.o.keys.spikes(), SPIKES_GROUP, "0", "MKSTREAM");
    } catch (err) {
      if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
    }
    this.ready = true;
  }

  /** Applies new and abandoned spikes; returns how many were applied. */
  async poll(): Promise<number> {
    await this.ensureGroup();
    const key = this.o.keys.spikes();
    const count = this.o.batch ?? 50;
    const claimed = (await this.o.redis.xautoclaim(
      key,
      SPIKES_GROUP,
      this.o.consumer,
      this.o.claimIdleMs ?? 30_000,
      "0",
      "COUNT",
      count,
    )) as [string, Entry[]];
    const fresh = (await this.o.redis.xreadgroup(
      "GROUP",
      SPIKES_GROUP,
      this.o.consumer,
      "COUNT",
      count,
      "STREAMS",
      key,
      ">",
    )) as [string, Entry[]][] | null;
    const entries = [...(claimed[1] ?? []), ...(fresh?.[0]?.[1] ?? [])];
    let n = 0;
    for (const [id, fields] of entries) {
      if (!fields) continue;
      const i = fields.indexOf("spike");
      const spike = JSON.parse(fields[i + 1] ?? "null") as Spike | null;
      if (spike) await this.o.apply(spike, id);
      await this.o.redis.xack(key, SPIKES_GROUP, id);
      n++;
    }
    return n;
  }
}
