// What a worker extension (metrics, incidents, ...) is handed: the worker's own clients and
// event bus, so it neither opens its own connections nor reads the environment.
import type { Kafka, Producer } from "kafkajs";
import type { RedisClient } from "../redis/client";
import type { Config } from "../config";
import type { Events } from "../events";
import type { Logger } from "../log";
import type { Keys } from "../keys";

export interface WorkerContext {
  cfg: Config;
  log: Logger;
  events: Events;
  redis: RedisClient;
  kafka: Kafka;
  /** Connected; shared by the worker for all its output topics. */
  producer: Producer;
  keys: Keys;
}

/** Started before the consumer, closed after it, in reverse order of the list. */
export type Extension = (ctx: WorkerContext) => Promise<{ close(): Promise<void> }>;
