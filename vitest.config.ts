import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/services.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests share two cores with Kafka and Redis: run files one at a time.
    fileParallelism: false,
    env: { KAFKAJS_NO_PARTITIONER_WARNING: "1" },
  },
});
