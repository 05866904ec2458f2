// Reads what a topic recorded since a time: every message from the first offset at or after
// `sinceMs` up to the end each partition had when the read began. A throwaway consumer group
// reads it and is deleted afterwards; nothing is committed to any group the pipeline uses.
import { randomBytes } from "node:crypto";
import type { Kafka } from "kafkajs";

export interface Recorded {
  /** "topic/partition@offset", for error messages. */
  at: string;
  text: string;
}

export async function readTopicSince(
  kafka: Kafka,
  topic: string,
  sinceMs: number,
  onProgress?: (read: number, total: number) => void,
): Promise<Recorded[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `modstream-record-${randomBytes(4).toString("hex")}`;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic "${topic}" does not exist`);
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
    const todo = new Map<number, { from: number; end: number }>();
    for (const s of starts) {
      const from = Number(s.offset);
      const end = ends.get(s.partition) ?? 0;
      if (from >= 0 && from < end) todo.set(s.partition, { from, end });
    }
    const total = [...todo.values()].reduce((n, p) => n + p.end - p.from, 0);
    const out: Recorded[] = [];
    let read = 0;
    if (total === 0) return out;
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    try {
      let finish: () => void = () => undefined;
      let fail: (err: Error) => void = () => undefined;
      const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
      consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: ({ batch }) => {
          const p = todo.get(batch.partition);
          if (p) {
            // A batch fetched again (before the seek took hold, or after a rebalance) adds nothing
            // twice. A producer sets its messages' times, so an older one may follow the start: skipped.
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset < p.from || offset >= p.end) continue;
              if (Number(m.timestamp) >= sinceMs)
                out.push({ at: `${topic}/${batch.partition}@${m.offset}`, text: m.value?.toString("utf8") ?? "" });
              read += 1;
              p.from = offset + 1;
            }
            if (Number(batch.lastOffset()) >= p.end - 1) todo.delete(batch.partition);
            onProgress?.(read, total);
            if (todo.size === 0) finish();
          }
          return Promise.resolve();
        },
      });
      for (const [partition, end] of ends)
        consumer.seek({ topic, partition, offset: String(todo.get(partition)?.from ?? end) });
      await done;
    } finally {
      await consumer.disconnect();
    }
    return out;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
