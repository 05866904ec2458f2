// The Redis-stream outbox and consumer-group reader, written once: the incidents outbox, the
// spikes feed and the review actions outbox all read a stream with a consumer group, take over
// entries a dead consumer left pending (XAUTOCLAIM), and acknowledge an entry only after its
// effect is durable, so a crash replays it and the consumer's own dedupe absorbs the replay.
import type { Cluster, Redis } from "ioredis";

/** A stream entry: its id and the field / value list. */
export type Entry = [string, string[]];

export interface GroupReaderOptions {
  redis: Redis | Cluster;
  /** The stream's key. */
  stream: string;
  group: string;
  /** This reader's consumer name in the group. */
  consumer: string;
  /** Entries pending this long with a silent consumer are taken over. */
  claimIdleMs?: number;
}

export interface ReadEntry {
  id: string;
  /** The value of one field of the entry (undefined when absent). */
  field(name: string): string | undefined;
  /** True when the entry was taken over from a consumer that read it and went silent. */
  retry: boolean;
}

export class StreamGroupReader {
  private ready = false;

  constructor(private readonly o: GroupReaderOptions) {}

  get stream(): string {
    return this.o.stream;
  }

  /** Creates the group at the start of the stream (and the stream) once; an existing group is kept. */
  async ensureGroup(): Promise<void> {
    if (this.ready) return;
    try {
      await this.o.redis.xgroup("CREATE", this.o.stream, this.o.group, "0", "MKSTREAM");
    } catch (err) {
      if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
    }
    this.ready = true;
  }

  /**
   * Abandoned entries (up to `claimCount`) first, then new ones (up to `count`). Entries deleted
   * from the stream while pending come back from XAUTOCLAIM without fields and are skipped.
   */
  async read(count: number, claimCount = count): Promise<ReadEntry[]> {
    await this.ensureGroup();
    const { redis, stream, group, consumer } = this.o;
    const claimed = (await redis.xautoclaim(
      stream,
      group,
      consumer,
      this.o.claimIdleMs ?? 30_000,
      "0",
      "COUNT",
      claimCount,
    )) as [string, Entry[]];
    const fresh = (await redis.xreadgroup("GROUP", group, consumer, "COUNT", count, "STREAMS", stream, ">")) as
      [string, Entry[]][] | null;
    const wrap = ([id, f]: Entry, retry: boolean): ReadEntry => ({
      id,
      retry,
      field: (name) => {
        const i = f.indexOf(name);
        return i >= 0 ? f[i + 1] : undefined;
      },
    });
    return [
      ...(claimed[1] ?? []).filter(([, f]) => f).map((e) => wrap(e, true)),
      ...(fresh?.[0]?.[1] ?? []).filter(([, f]) => f).map((e) => wrap(e, false)),
    ];
  }

  /** Acknowledges entries; `remove` also deletes them (an outbox keeps nothing once delivered). */
  async ack(ids: readonly string[], remove = false): Promise<void> {
    if (ids.length === 0) return;
    await this.o.redis.xack(this.o.stream, this.o.group, ...ids);
    if (remove) await this.o.redis.xdel(this.o.stream, ...ids);
  }
}
