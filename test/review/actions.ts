// Reads every message of a topic from the beginning (tests only).
import type { Kafka } from "kafkajs";
import type { DecisionKind, ReviewPost, ReviewQueue } from "../../src/domain";
import type { ReviewService } from "../../src/review/queue";

export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (n: number) => boolean,
  timeoutMs = 20_000,
): Promise<{ key: string; value: Record<string, unknown>; headers: Record<string, string> }[]> {
  const out: { key: string; value: Record<string, unknown>; headers: Record<string, string> }[] = [];
  const consumer = kafka.consumer({ groupId: `read-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push({
        key: message.key?.toString() ?? "",
        value: parseOrRaw(message.value),
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (!until(out.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}

/** A message's JSON value; the raw text under `raw` when it is not JSON (a dead-lettered message). */
function parseOrRaw(value: Buffer | null): Record<string, unknown> {
  const text = value?.toString() ?? "{}";
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { raw: text };
  }
}

/**
 * Queues `post`, and `moderator` claims and decides it: the decision an author appeals (the
 * appeals tests). Returns the claim and the decision's result.
 */
export async function decidedPost(
  review: ReviewService,
  o: {
    post: ReviewPost;
    queue: ReviewQueue;
    moderator: string;
    decisionId: string;
    kind: DecisionKind;
    reason: string;
  },
) {
  await review.enqueuePost({ post: o.post, queue: o.queue, reason: `${o.queue} score 0.99` });
  const claim = (await review.claimNext(o.queue, o.moderator, "moderator"))!;
  const result = await review.decide({
    itemId: claim.item.id,
    lockToken: claim.lockToken,
    moderator: o.moderator,
    decisionId: o.decisionId,
    kind: o.kind,
    reason: o.reason,
  });
  return { claim, result };
}
