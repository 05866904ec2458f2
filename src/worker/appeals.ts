// The appeals worker extension: its own consumer group on the appeals topic. Each appeal is
// decoded and filed (src/review/appeals.ts) before its offset is committed; a malformed appeal,
// one of an unknown decision, or a duplicate is dead-lettered with its reason, never lost.
// Redelivery after a crash is harmless: filing is idempotent by appeal id, and a partition's last
// dead-lettered offset is recorded, so a refused appeal is not dead-lettered again.
import type { Consumer } from "kafkajs";
import type { Extension, WorkerContext } from "./context";
import type { ReviewService } from "../review/queue";
import { decodeAppeal } from "../source/decode";
import { DeadLetter, type Rejected } from "../source/deadletter";
import { startConsumer, type Step } from "../source/consumer";
import { workerReview } from "./review";

export const appealsExtension: Extension = async (ctx: WorkerContext) => {
  const ic = ctx.cfg.pipeline.incidents;
  if (!ic?.enabled) return { close: () => Promise.resolve() };
  const p = ctx.cfg.pipeline;
  const log = ctx.log.child({ component: "appeals" });
  const handle = appealStep({
    review: workerReview(ctx, ic.slaMinutes),
    deadLetter: new DeadLetter(ctx.producer, p.kafka.topics.deadLetter, ctx.events),
    marks: {
      get: async (field) => Number((await ctx.redis.hget(ctx.keys.reviewAppealsDeadLettered(), field)) ?? -1),
      set: async (field, offset) => void (await ctx.redis.hset(ctx.keys.reviewAppealsDeadLettered(), field, offset)),
    },
    limits: p.limits,
    onRefused: (rejected) =>
      log.warn(
        { count: rejected.length, refused: rejected.slice(0, 10).map((r) => `${r.offset} ${r.reason}: ${r.detail}`) },
        "appeals refused and dead-lettered",
      ),
  });
  const consumer: Consumer = await startConsumer({
    kafka: ctx.kafka,
    groupId: `${p.kafka.groupId}.appeals`,
    topics: [p.kafka.topics.appeals],
    maxStepMessages: 500,
    partitionsConcurrently: 1,
    sessionTimeoutMs: p.kafka.sessionTimeoutMs,
    handle,
    events: ctx.events,
    log,
  });
  return { close: () => consumer.disconnect() };
};

export interface AppealStepOptions {
  review: Pick<ReviewService, "fileAppeal">;
  deadLetter: Pick<DeadLetter, "send">;
  /** The last offset dead-lettered per "<topic>:<partition>" (-1: none yet). */
  marks: { get(field: string): Promise<number>; set(field: string, offset: string): Promise<void> };
  limits: { maxMessageBytes: number; maxTextBytes: number };
  /** Told of each step's refused appeals once they are on the dead-letter topic. */
  onRefused?: (rejected: readonly Rejected[]) => void;
}

/** One step of the appeals topic: file each appeal, then dead-letter the refused ones. */
export function appealStep(o: AppealStepOptions): (step: Step) => Promise<void> {
  return async ({ topic, partition, messages }) => {
    const field = `${topic}:${partition}`;
    const dealtWith = await o.marks.get(field);
    const rejected: Rejected[] = [];
    for (const m of messages) {
      const decoded = decodeAppeal(m.value, o.limits);
      const outcome = decoded.ok ? await o.review.fileAppeal(decoded.value, "kafka") : decoded;
      if (outcome.ok || Number(m.offset) <= dealtWith) continue;
      rejected.push({
        topic,
        partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        reason: outcome.reason,
        detail: outcome.detail,
      });
    }
    const last = rejected[rejected.length - 1];
    if (!last) return;
    await o.deadLetter.send(rejected);
    await o.marks.set(field, last.offset);
    o.onRefused?.(rejected);
  };
}
