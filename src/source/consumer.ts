// The firehose consumer loop: a kafkajs consumer group, batch steps, at-least-once.
// Offsets are resolved only after a step's effects are durable; a failing step is retried
// with back-off (never skipped) while this worker still owns the partition.
import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Events } from "../events";
import type { Logger } from "../log";

export interface Step {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export type StepHandler = (step: Step) => Promise<void>;

export interface ConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  maxStepMessages: number;
  partitionsConcurrently: number;
  sessionTimeoutMs: number;
  handle: StepHandler;
  events: Events;
  log: Logger;
}

const backoffMs = (attempt: number) => Math.min(200 * 2 ** attempt, 5000);

export async function startConsumer(o: ConsumerOptions): Promise<Consumer> {
  const consumer = o.kafka.consumer({
    groupId: o.groupId,
    sessionTimeout: o.sessionTimeoutMs,
    heartbeatInterval: 3000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: o.topics, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommitInterval: 1000,
    partitionsConsumedConcurrently: o.partitionsConcurrently,
    eachBatch: async (run) => {
      const { topic, partition, messages } = run.batch;
      const owned = () => run.isRunning() && !run.isStale();
      for (let i = 0; i < messages.length; i += o.maxStepMessages) {
        if (!owned()) return;
        const step = { topic, partition, messages: messages.slice(i, i + o.maxStepMessages) };
        for (let attempt = 0; ; attempt++) {
          try {
            await o.handle(step);
            break;
          } catch (err) {
            o.events.emit("stepError", { stage: "step", error: err as Error });
            o.log.warn({ err, topic, partition, attempt }, "pipeline step failed; retrying");
            if (!owned()) return;
            // Heartbeats on both sides of the wait: a step that failed slowly (a Redis command
            // timing out) must not also cost the worker its place in the group.
            await run.heartbeat().catch(() => undefined);
            await sleep(backoffMs(attempt));
            await run.heartbeat().catch(() => undefined);
          }
        }
        const last = step.messages[step.messages.length - 1];
        if (last) run.resolveOffset(last.offset);
        await run.commitOffsetsIfNecessary();
        await run.heartbeat();
      }
    },
  });
  return consumer;
}
