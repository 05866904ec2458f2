// A built (not listening) API over the real Redis, with a token per role.
import type { RedisClient } from "../../src/redis/client";
import type { Config } from "../../src/config";
import type { Role } from "../../src/domain";
import { apiDeps } from "../../src/http/run";
import { buildServer, type App } from "../../src/http/server";
import { isolatedConfig, redisClient } from "../helpers/env";

export interface Harness {
  cfg: Config;
  redis: RedisClient;
  app: App;
  deps: ReturnType<typeof apiDeps>;
  tokens: Record<Role, string>;
}

/** The API settings the tests run with: loopback, any port, generous rate limits. */
export const TEST_API: NonNullable<Config["pipeline"]["api"]> = {
  host: "127.0.0.1",
  port: 0,
  leaseSeconds: 60,
  sessionTtlSeconds: 600,
  secureCookies: true,
  corsOrigins: [],
  rateLimit: { authPerMinute: 1000, writesPerMinute: 100_000 },
  postMinScore: 0.98,
};

export async function harness(
  name: string,
  api: Partial<NonNullable<Config["pipeline"]["api"]>> = {},
): Promise<Harness> {
  const cfg = isolatedConfig(name, (p) => ({ ...p, api: { ...TEST_API, ...api } }));
  const redis = redisClient(cfg);
  const deps = apiDeps(cfg, redis);
  const app = await buildServer({ ...deps, logger: false });
  await app.ready();
  const tokens = {} as Record<Role, string>;
  for (const role of ["support", "moderator", "lead", "admin"] as const)
    tokens[role] = (await deps.auth.createToken(role, `${role}-1`)).token;
  return { cfg, redis, app, deps, tokens };
}
