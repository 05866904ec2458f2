// Consumer lag per input partition, read from Kafka on scrape: the group's committed offsets
// (admin.fetchOffsets) against the log ends (admin.fetchTopicOffsets). Cached for ttlMs so
// several Prometheus servers, or a 1 s scrape interval, cost one admin round trip at most; a
// slow or failing broker leaves the last reading in place instead of stalling the scrape.
import type { Admin, Kafka } from "kafkajs";
import type { Logger } from "../log";
import type { Input, LagReading } from "./registry";

export interface ConsumerLagOptions {
  kafka: Kafka;
  groupId: string;
  topics: { posts: string; reports: string };
  ttlMs: number;
  /** A scrape waits at most this long for a fresh reading before serving the cached one. */
  timeoutMs: number;
  log: Logger;
}

/** The admin calls a lag reading needs (kafkajs Admin has them). */
export type LagAdmin = Pick<Admin, "fetchOffsets" | "fetchTopicOffsets">;

/**
 * The one lag reading: per partition of each topic, the log end minus the group's committed
 * offset. A partition with no committed offset has consumed nothing yet, so everything retained
 * waits: its lag is the whole log (end - low), never 0.
 */
export async function readLag(
  admin: LagAdmin,
  groupId: string,
  topics: readonly string[],
): Promise<{ topic: string; partition: number; lag: number }[]> {
  const out: { topic: string; partition: number; lag: number }[] = [];
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const end of ends) {
      const c = Number(group.find((p) => p.partition === end.partition)?.offset ?? -1);
      const from = c >= 0 ? c : Number(end.low ?? 0);
      out.push({ topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) });
    }
  }
  return out;
}

export class ConsumerLag {
  private admin: Admin | undefined;
  private cached: readonly LagReading[] = [];
  private readAt = 0;
  private inflight: Promise<readonly LagReading[]> | undefined;
  private failing = false;

  constructor(private readonly o: ConsumerLagOptions) {}

  async read(): Promise<readonly LagReading[]> {
    if (Date.now() - this.readAt < this.o.ttlMs) return this.cached;
    this.inflight ??= this.fetch().finally(() => (this.inflight = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<readonly LagReading[]>((resolve) => {
      timer = setTimeout(() => resolve(this.cached), this.o.timeoutMs);
    });
    try {
      return await Promise.race([this.inflight, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetch(): Promise<readonly LagReading[]> {
    try {
      if (!this.admin) {
        const admin = this.o.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const inputs: [Input, string][] = [
        ["posts", this.o.topics.posts],
        ["reports", this.o.topics.reports],
      ];
      const lags = await readLag(
        this.admin,
        this.o.groupId,
        inputs.map(([, t]) => t),
      );
      const readings: LagReading[] = lags.map((l) => ({
        input: inputs.find(([, t]) => t === l.topic)?.[0] ?? "posts",
        partition: l.partition,
        lag: l.lag,
      }));
      if (this.failing) this.o.log.info("consumer lag readable again");
      this.failing = false;
      this.cached = readings;
      this.readAt = Date.now();
      return readings;
    } catch (err) {
      if (!this.failing) this.o.log.warn({ err }, "cannot read consumer lag; serving the last reading");
      this.failing = true;
      return this.cached;
    }
  }

  async close(): Promise<void> {
    await this.inflight?.catch(() => undefined);
    await this.admin?.disconnect();
    this.admin = undefined;
  }
}
