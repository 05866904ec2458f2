// Logging in (an API token exchanged for a session cookie), out, and who am I.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { unauthorized } from "../../errors";
import { SESSION_COOKIE } from "../auth";
import { Principal, responses } from "../schemas";
import { authLimit, type RouteContext } from "../context";

export const authRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    app.post(
      "/auth/login",
      {
        config: { role: "public", rateLimit: authLimit(ctx.api) },
        schema: {
          tags: ["auth"],
          summary: "Exchange an API token for a UI session (HttpOnly, SameSite=Strict cookie)",
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
          response: responses({ 200: Principal }),
        },
      },
      async (req, reply) => {
        const p = await ctx.auth.verifyToken(req.body.token);
        if (!p) {
          await ctx.review.audit.append({ actor: "anonymous", kind: "login", what: "failed login", why: req.ip });
          throw unauthorized();
        }
        const sid = await ctx.auth.createSession(p);
        await ctx.review.audit.append({ actor: p.name, kind: "login", what: `session (${p.role})` });
        void reply.setCookie(SESSION_COOKIE, sid, {
          httpOnly: true,
          secure: ctx.api.secureCookies,
          sameSite: "strict",
          path: "/",
          maxAge: ctx.api.sessionTtlSeconds,
        });
        return p;
      },
    );
    app.post(
      "/auth/logout",
      { config: { role: "moderator" }, schema: { tags: ["auth"], response: responses({ 204: Type.Null() }) } },
      async (req, reply) => {
        if (req.sessionId) await ctx.auth.endSession(req.sessionId);
        void reply.clearCookie(SESSION_COOKIE, { path: "/" });
        return reply.status(204).send(null);
      },
    );
    app.get(
      "/auth/me",
      { config: { role: "moderator" }, schema: { tags: ["auth"], response: responses({ 200: Principal }) } },
      (req) => Promise.resolve(req.principal!),
    );
    return Promise.resolve();
  };
