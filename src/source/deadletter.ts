// The dead-letter topic: the original bytes of every rejected message, with where it came from and why.
import type { Producer } from "kafkajs";
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

export class DeadLetter {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly events: Events,
  ) {}

  /** Resolves once the broker has every message (acks from all in-sync replicas). */
  async send(rejected: Rejected[]): Promise<void> {
    if (rejected.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: rejected.map((r) => ({
        key: r.key,
        value: r.value,
        headers: {
          "source-topic": r.topic,
          "source-partition": String(r.partition),
          "source-offset": r.offset,
          reason: r.reason,
          detail: r.detail,
        },
      })),
    });
    for (const r of rejected) this.events.emit("deadLetter", { topic: r.topic, reason: r.reason });
  }
}
