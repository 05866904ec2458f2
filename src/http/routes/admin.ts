// The audit log (leads) and API tokens (admins).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { AuditEntry, Role, TokenInfo, responses } from "../schemas";
import { writeLimit, type RouteContext } from "../context";

export const adminRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    app.get(
      "/audit",
      {
        config: { role: "lead" },
        schema: {
          tags: ["audit"],
          summary: "Audit entries, newest first, by incident, moderator and time; `next` continues",
          querystring: Type.Object({
            incident: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            moderator: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            from: Type.Optional(
              Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "ms since epoch" }),
            ),
            to: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
            // An entry id; 19 digits a side always fit Redis's 64-bit halves.
            cursor: Type.Optional(Type.String({ pattern: "^\\d{1,19}-\\d{1,19}$" })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          }),
          response: responses({
            200: Type.Object({ entries: Type.Array(AuditEntry), next: Type.Optional(Type.String()) }),
          }),
        },
      },
      async (req) =>
        ctx.review.audit.query({
          incidentId: req.query.incident,
          actor: req.query.moderator,
          from: req.query.from,
          to: req.query.to,
          cursor: req.query.cursor,
          limit: req.query.limit,
        }),
    );
    app.get(
      "/tokens",
      {
        config: { role: "admin" },
        schema: { tags: ["tokens"], response: responses({ 200: Type.Object({ tokens: Type.Array(TokenInfo) }) }) },
      },
      async () => ({ tokens: await ctx.auth.listTokens() }),
    );
    app.post(
      "/tokens",
      {
        config: { role: "admin", rateLimit: writeLimit(ctx.api) },
        schema: {
          tags: ["tokens"],
          summary: "Create an API token; the token is shown once",
          body: Type.Object(
            { role: Role, name: Type.String({ pattern: "^[\\w.@-]{1,64}$" }) },
            { additionalProperties: false },
          ),
          response: responses({ 201: Type.Object({ token: Type.String(), info: TokenInfo }) }),
        },
      },
      async (req, reply) => {
        const t = await ctx.auth.createToken(req.body.role, req.body.name, req.principal!.name);
        await ctx.review.audit.append({
          actor: req.principal!.name,
          kind: "token_create",
          what: `${t.info.role} token for ${t.info.name}`,
        });
        return reply.status(201).send(t);
      },
    );
    app.delete(
      "/tokens/:tokenId",
      {
        config: { role: "admin", rateLimit: writeLimit(ctx.api) },
        schema: {
          tags: ["tokens"],
          params: Type.Object({ tokenId: Type.String({ pattern: "^[0-9a-f]{12}$" }) }),
          response: responses({ 200: TokenInfo }),
        },
      },
      async (req) => {
        const t = await ctx.auth.revokeToken(req.params.tokenId);
        await ctx.review.audit.append({
          actor: req.principal!.name,
          kind: "token_revoke",
          what: `${t.role} token of ${t.name}`,
        });
        return t;
      },
    );
    return Promise.resolve();
  };
