// vitest globalSetup: fail fast, with the fix, when Kafka or Redis is not answering.
import { loadConfig } from "../../src/config";
import { servicesStatus } from "../../src/services";

export default async function setup(): Promise<void> {
  const cfg = loadConfig();
  const s = await servicesStatus(cfg);
  if (!s.kafka || !s.redis)
    throw new Error(
      `tests need Kafka (${cfg.kafkaBrokers.join(",")}: ${s.kafka ? "up" : "down"}) and Redis (${cfg.redisUrl}: ${s.redis ? "up" : "down"}); run \`npx modstream services up\``,
    );
}
