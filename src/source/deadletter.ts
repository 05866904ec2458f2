// The dead-letter topic: the original bytes of every rejected message, with where it came from and why.
import type { Message, Producer } from "kafkajs";
import type { Events } from "../events";

export interface Rejected {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
  detail: string;
}

/**
 * Bytes per produce request. A step's rejects in one request could pass the broker's 1 MiB
 * request limit (a storm of oversized messages does), which would fail the step for ever.
 */
const CHUNK_BYTES = 512 * 1024;

function toMessage(r: Rejected): Message {
  return {
    key: r.key,
    value: r.value,
    headers: {
      "source-topic": r.topic,
      "source-partition": String(r.partition),
      "source-offset": r.offset,
      reason: r.reason,
      detail: r.detail,
    },
  };
}

/** Rejects in order, in runs of at most CHUNK_BYTES (a single larger message goes alone). */
export function* chunksBySize(rejected: readonly Rejected[], limit = CHUNK_BYTES): Generator<Rejected[]> {
  let chunk: Rejected[] = [];
  let bytes = 0;
  for (const r of rejected) {
    const size = (r.value?.length ?? 0) + (r.key?.length ?? 0) + r.detail.length + r.topic.length + 128;
    if (chunk.length > 0 && bytes + size > limit) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

export class DeadLetter {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly events: Events,
  ) {}

  /** Resolves once the broker has every message (acks from all in-sync replicas). */
  async send(rejected: Rejected[]): Promise<void> {
    if (rejected.length === 0) return;
    for (const chunk of chunksBySize(rejected))
      await this.producer.send({ topic: this.topic, acks: -1, messages: chunk.map(toMessage) });
    for (const r of rejected) this.events.emit("deadLetter", { topic: r.topic, reason: r.reason });
  }
}
