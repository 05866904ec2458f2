// The API and the command line over a Redis that hangs (SIGSTOP of a private redis-server):
// requests that need Redis fail within the command timeout as 503 SERVICE_UNAVAILABLE with
// Retry-After, /readyz says Redis is not ready, and the same requests work again once Redis
// answers; a command fails with a clear error. Before, both waited for as long as Redis hung.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import type { Config } from "../../src/config";
import { createLogger } from "../../src/log";
import { apiDeps, startApi, type RunningApi } from "../../src/http/run";
import { deleteTopics, isolatedConfig, pipelineFile } from "../helpers/env";
import { privateRedis, type PrivateRedis } from "../helpers/private-services";
import { TEST_API } from "./setup";

const TIMEOUT_MS = 1000;

let server: PrivateRedis;
let cfg: Config;
let api: RunningApi;
let redis: Redis;
let token: string;

beforeAll(async () => {
  server = await privateRedis();
  await server.start();
  const base = isolatedConfig("apihang", (p) => ({
    ...p,
    redis: { ...p.redis, commandTimeoutMs: TIMEOUT_MS },
    api: TEST_API,
  }));
  cfg = { ...base, redisUrl: server.url };
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  token = (await apiDeps(cfg, redis).auth.createToken("moderator", "m-1")).token;
  api = await startApi(cfg, createLogger("fatal"), { port: 0 });
}, 60_000);

afterAll(async () => {
  server?.resume();
  await api?.close();
  redis?.disconnect();
  await server?.destroy();
  if (cfg) await deleteTopics(cfg);
});

const get = async (path: string) => {
  const t0 = performance.now();
  const res = await fetch(`${api.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, res, ms: performance.now() - t0 };
};

describe("API while Redis hangs", () => {
  it("answers 503 with Retry-After within the command timeout, and recovers when Redis answers", async () => {
    expect((await get("/api/queues")).status).toBe(200);

    server.pause();
    try {
      const queues = await get("/api/queues");
      expect(queues.status).toBe(503);
      expect(queues.body).toMatchObject({ code: "SERVICE_UNAVAILABLE", statusCode: 503 });
      expect(queues.res.headers.get("retry-after")).toBe("5");
      // One command's timeout, plus a little: not the length of the hang.
      expect(queues.ms).toBeLessThan(TIMEOUT_MS * 4);

      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ ok: false, checks: { redis: false } });
    } finally {
      server.resume();
    }

    const again = await get("/api/queues");
    expect(again.status).toBe(200);
    expect(again.body).toHaveProperty("queues");
  });

  it("fails a command (token create) with a clear error instead of hanging", async () => {
    const file = pipelineFile(cfg);
    server.pause();
    try {
      const t0 = performance.now();
      const child = spawn(
        process.execPath,
        ["bin/modstream.js", "token", "create", "--role", "moderator", "--name", "m-2"],
        {
          env: { ...process.env, MODSTREAM_PIPELINE: file, REDIS_URL: server.url },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
      clearTimeout(killer);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/error: Redis is unavailable \(Command timed out\)/);
      // Loading the CLI takes a few seconds; the wait on Redis is one command timeout.
      expect(performance.now() - t0).toBeLessThan(20_000);
    } finally {
      server.resume();
      rmSync(file, { force: true });
    }
  }, 40_000);
});
