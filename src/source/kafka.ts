// kafkajs client construction, its logs routed to pino, and topic set-up.
import { Kafka, logLevel, type LogEntry } from "kafkajs";
import type { Config } from "../config";
import type { Logger } from "../log";

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

export function createKafka(cfg: Config, log: Logger, clientSuffix = ""): Kafka {
  const kafkaLog = log.child({ component: "kafkajs" });
  return new Kafka({
    clientId: cfg.pipeline.kafka.clientId + clientSuffix,
    brokers: [...cfg.kafkaBrokers],
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        kafkaLog[LEVELS[level] ?? "info"](rest, message);
      },
  });
}

/** Creates modstream's topics when missing, with the configured partition count. */
export async function ensureTopics(kafka: Kafka, cfg: Config): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = Object.values(cfg.pipeline.kafka.topics).filter((t) => !existing.has(t));
    if (wanted.length > 0)
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({ topic, numPartitions: cfg.pipeline.kafka.partitions })),
      });
  } finally {
    await admin.disconnect();
  }
}
