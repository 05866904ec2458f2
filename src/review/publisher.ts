// Publishes moderation actions from the review outbox to the actions topic, exactly once per
// decision id. The decision script writes the outbox entry atomically with the decision; this
// module sends it keyed by account (warn/suspend) or post, and remembers the partition's end
// offset before sending. If a publisher dies between Kafka's acknowledgement and the Redis
// acknowledgement, the next one reads the partition from that offset and finds the decision
// already there instead of sending it twice. One publisher at a time holds a Redis lease.
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../redis/client";
import { Partitioners, type Admin, type Kafka, type Producer } from "kafkajs";
import type { ModerationAction } from "../domain";
import type { ReviewKeys } from "./keys";
import { StreamGroupReader } from "../redis/stream";

export const OUTBOX_GROUP = "actions";
const SENT_SUFFIX = ":sent";
/** New outbox entries read (and sent to Kafka) at a time. */
const BATCH = 500;

export interface ActionPublisherOptions {
  redis: RedisClient;
  keys: ReviewKeys;
  kafka: Kafka;
  producer: Producer;
  topic: string;
  /** This publisher's name in the outbox consumer group and the lease. */
  consumer: string;
  /** Entries another publisher read but did not acknowledge for this long are taken over. */
  claimIdleMs?: number;
  leaseMs?: number;
  /** Test hook: runs after Kafka acknowledged a batch, before Redis does (simulates a crash). */
  afterSend?: () => void;
  onError?: (err: Error) => void;
}

/**
 * The key an action is published under: the account for sanctions, else the post; a reversal is
 * keyed like the action it reverses, so it follows that action on its partition.
 */
export function actionKey(a: ModerationAction): string {
  const kind = a.action === "reverse" ? a.reversesAction : a.action;
  if (kind === "warn_author" || kind === "suspend_author") return `account:${a.accountId ?? ""}`;
  return a.postId ? `post:${a.postId}` : `incident:${a.incidentId ?? a.itemId}`;
}

const partitioner = Partitioners.DefaultPartitioner();

export class ActionPublisher {
  private readonly reader: StreamGroupReader;
  private partitions: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private adminClient: Promise<Admin> | undefined;

  constructor(private readonly o: ActionPublisherOptions) {
    this.reader = new StreamGroupReader({
      redis: o.redis,
      stream: o.keys.reviewOutbox(),
      group: OUTBOX_GROUP,
      consumer: o.consumer,
      claimIdleMs: o.claimIdleMs,
    });
  }

  private get sentKey() {
    return this.o.keys.reviewPublished() + SENT_SUFFIX;
  }

  private admin(): Promise<Admin> {
    this.adminClient ??= (async () => {
      const a = this.o.kafka.admin();
      await a.connect();
      return a;
    })().catch((err: unknown) => {
      this.adminClient = undefined;
      throw err;
    });
    return this.adminClient;
  }

  private async partitionCount(): Promise<number> {
    if (this.partitions) return this.partitions;
    const md = await (await this.admin()).fetchTopicMetadata({ topics: [this.o.topic] });
    this.partitions = md.topics[0]?.partitions.length ?? 1;
    return this.partitions;
  }

  private partitionOf(key: string, n: number): number {
    const partitionMetadata = Array.from({ length: n }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    return partitioner({ topic: this.o.topic, partitionMetadata, message: { key, value: null } });
  }

  /** Publishes what the outbox holds; returns how many actions were handled. */
  async poll(): Promise<number> {
    const entries = await this.reader.read(BATCH, 100);
    if (entries.length === 0) return 0;
    const n = await this.partitionCount();
    const done: string[] = [];
    const toSend: { id: string; action: ModerationAction; key: string; partition: number }[] = [];
    const actions = entries.map((e) => JSON.parse(e.field("action") ?? "{}") as ModerationAction);
    const seen = await this.o.redis.hmget(this.o.keys.reviewPublished(), ...actions.map((a) => a.decisionId));
    for (const [i, { id, retry }] of entries.entries()) {
      const action = actions[i]!;
      if (seen[i] !== null) {
        done.push(id);
        continue;
      }
      const k = actionKey(action);
      const partition = this.partitionOf(k, n);
      if (retry) {
        const from = await this.o.redis.hget(this.sentKey, action.decisionId);
        if (from !== null && (await this.alreadyOnTopic(partition, Number(from), action.decisionId))) {
          await this.o.redis.hset(this.o.keys.reviewPublished(), action.decisionId, "recovered");
          done.push(id);
          continue;
        }
      }
      toSend.push({ id, action, key: k, partition });
    }
    if (toSend.length) {
      const ends = await this.ends();
      const marks = toSend.flatMap((s) => [s.action.decisionId, String(ends.get(s.partition) ?? 0)]);
      await this.o.redis.hset(this.sentKey, ...marks);
      await this.o.producer.send({
        topic: this.o.topic,
        messages: toSend.map((s) => ({
          key: s.key,
          partition: s.partition,
          value: JSON.stringify(s.action),
          headers: { decisionId: s.action.decisionId },
        })),
      });
      this.o.afterSend?.();
      await this.o.redis.hset(
        this.o.keys.reviewPublished(),
        ...toSend.flatMap((s) => [s.action.decisionId, String(s.action.at)]),
      );
      await this.o.redis.hdel(this.sentKey, ...toSend.map((s) => s.action.decisionId));
      done.push(...toSend.map((s) => s.id));
    }
    await this.reader.ack(done, true);
    return done.length;
  }

  private async ends(): Promise<Map<number, number>> {
    const offs = await (await this.admin()).fetchTopicOffsets(this.o.topic);
    return new Map(offs.map((o) => [o.partition, Number(o.high)]));
  }

  /** Reads one partition from `from` to its current end looking for the decision (recovery only). */
  private async alreadyOnTopic(partition: number, from: number, decisionId: string): Promise<boolean> {
    const end = (await this.ends()).get(partition) ?? 0;
    if (from >= end) return false;
    const groupId = `modstream-actions-recovery-${randomUUID()}`;
    const consumer = this.o.kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.o.topic });
      let found = false;
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error("recovery scan timed out")), 30_000);
        consumer
          .run({
            eachMessage: ({ partition: p, message }) => {
              if (p !== partition) return Promise.resolve();
              if (message.headers?.decisionId?.toString() === decisionId) found = true;
              if (found || Number(message.offset) + 1 >= end) {
                clearTimeout(timeout);
                resolve();
              }
              return Promise.resolve();
            },
          })
          .then(() => consumer.seek({ topic: this.o.topic, partition, offset: String(from) }))
          .catch(reject);
      });
      return found;
    } finally {
      await consumer.disconnect();
      await (await this.admin()).deleteGroups([groupId]).catch(() => undefined);
    }
  }

  /** Polls while holding the publisher lease (one publisher per deployment). */
  start(everyMs = 200): void {
    const leaseMs = this.o.leaseMs ?? 10_000;
    const tick = async () => {
      const lease = this.o.keys.reviewPublisherLease();
      const got =
        (await this.o.redis.set(lease, this.o.consumer, "PX", leaseMs, "NX")) === "OK" ||
        ((await this.o.redis.get(lease)) === this.o.consumer && (await this.o.redis.pexpire(lease, leaseMs)) === 1);
      // A short batch means the outbox is drained: wait for the next tick rather than poll again
      // at once, so that under load each send carries many actions instead of a few.
      // Stops between batches once closing: what is left stays in the outbox for the next publisher.
      if (got) while ((await this.poll()) >= BATCH && this.timer !== undefined);
    };
    const loop = () => {
      this.running = tick()
        .catch((err: unknown) => this.o.onError?.(err as Error))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, everyMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async close(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    clearTimeout(t);
    await this.running;
    const lease = this.o.keys.reviewPublisherLease();
    if ((await this.o.redis.get(lease)) === this.o.consumer) await this.o.redis.del(lease);
    const admin = this.adminClient;
    this.adminClient = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }
}
