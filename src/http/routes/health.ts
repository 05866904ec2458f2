// Liveness and readiness: /healthz answers while the process runs; /readyz checks Redis (and
// whatever the caller adds, e.g. Kafka) and answers 503 when one is down.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { RouteContext } from "../context";

const Checks = Type.Object({ ok: Type.Boolean(), checks: Type.Record(Type.String(), Type.Boolean()) });

export const healthRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    app.get(
      "/healthz",
      {
        config: { role: "public" },
        schema: { tags: ["health"], response: { 200: Type.Object({ ok: Type.Boolean() }) } },
      },
      () => Promise.resolve({ ok: true }),
    );
    app.get(
      "/readyz",
      { config: { role: "public" }, schema: { tags: ["health"], response: { 200: Checks, 503: Checks } } },
      async (_req, reply) => {
        const redis = await Promise.race([
          ctx.redis.ping().then((r) => r === "PONG"),
          new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
        ]).catch(() => false);
        const more = ctx.ready ? await ctx.ready().catch(() => ({ dependencies: false })) : {};
        const checks = { redis, ...more };
        const ok = Object.values(checks).every(Boolean);
        return reply.status(ok ? 200 : 503).send({ ok, checks });
      },
    );
    return Promise.resolve();
  };
