// Publishes a firehose to Kafka: NDJSON files line by line (bytes as they are, so malformed
// lines reach the worker and its dead-letter path) or synthetic posts, at an optional rate.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { Partitioners, type Kafka, type Message } from "kafkajs";

export interface ReplayOptions {
  kafka: Kafka;
  topic: string;
  /** Messages per second; 0 means as fast as the broker takes them. */
  rate: number;
  batchSize?: number;
  onProgress?: (sent: number) => void;
}

/** Sends messages from any (async) iterable in batches, pacing to `rate`. Returns the count sent. */
export async function publish(messages: AsyncIterable<Message> | Iterable<Message>, o: ReplayOptions): Promise<number> {
  // Idempotent, so a send retried after a lost acknowledgement does not put posts on the topic twice.
  const producer = o.kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: true,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const size = o.batchSize ?? (o.rate > 0 ? Math.max(1, Math.min(1000, Math.ceil(o.rate / 10))) : 1000);
  const t0 = Date.now();
  let sent = 0;
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic: o.topic, acks: -1, messages: batch });
    sent += batch.length;
    batch = [];
    o.onProgress?.(sent);
    if (o.rate > 0) {
      const due = t0 + (sent / o.rate) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  };
  try {
    for await (const m of messages) {
      batch.push(m);
      if (batch.length >= size) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return sent;
}

export async function* ndjsonMessages(file: string): AsyncIterable<Message> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== "") yield { key: null, value: Buffer.from(line) };
}

export function* postMessages(posts: Iterable<object & { id: string }>): Iterable<Message> {
  for (const p of posts) yield { key: p.id, value: JSON.stringify(p) };
}
