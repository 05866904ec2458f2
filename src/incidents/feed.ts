// Reads the detector's {spikes} stream with a consumer group: every spike is applied by one worker,
// acknowledged only after its incident is written, and claimed by another worker if this one
// dies first (XAUTOCLAIM), so a crash replays the spike and the open script dedupes it.
import type { RedisClient } from "../redis/client";
import type { Spike } from "../domain";
import type { IncidentKeys } from "./keys";
import { StreamGroupReader } from "../redis/stream";

export const SPIKES_GROUP = "incidents";

export interface SpikeFeedOptions {
  redis: RedisClient;
  keys: IncidentKeys;
  consumer: string;
  apply: (spike: Spike, ref: string) => Promise<unknown>;
  /** A spike pending this long with a silent consumer is taken over. */
  claimIdleMs?: number;
  batch?: number;
}

export class SpikeFeed {
  private readonly reader: StreamGroupReader;

  constructor(private readonly o: SpikeFeedOptions) {
    this.reader = new StreamGroupReader({
      redis: o.redis,
      stream: o.keys.spikes(),
      group: SPIKES_GROUP,
      consumer: o.consumer,
      claimIdleMs: o.claimIdleMs,
    });
  }

  /** Applies new and abandoned spikes; returns how many were applied. */
  async poll(): Promise<number> {
    let n = 0;
    for (const e of await this.reader.read(this.o.batch ?? 50)) {
      const spike = JSON.parse(e.field("spike") ?? "null") as Spike | null;
      if (spike) await this.o.apply(spike, e.id);
      await this.reader.ack([e.id]);
      n++;
    }
    return n;
  }
}
