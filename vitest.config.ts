import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/services.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests share two cores with Kafka and Redis: run files one at a time.
    fileParallelism: false,
    // expect.poll waits for a condition; on a loaded 2-core CI a first page load can take seconds.
    expect: { poll: { timeout: 10_000 } },
    env: { KAFKAJS_NO_PARTITIONER_WARNING: "1" },
  },
});
