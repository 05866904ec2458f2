// Silences (leads and admins set and end them, moderators read them) and the incident openings that
// silences and inhibiting incidents suppressed (docs/incidents.md, "Silences and inhibition").
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { Silence, SilenceBody, SuppressedOpening, responses } from "../schemas";
import { writeLimit, type RouteContext } from "../context";

const tags = ["silences"];

export const silenceRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    app.get(
      "/silences",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: "Active silences, ending soonest first; `all` adds those ended in the last week",
          querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }),
          response: responses({ 200: Type.Object({ silences: Type.Array(Silence), now: Type.Number() }) }),
        },
      },
      async (req) => ({ silences: await ctx.silences.list({ all: req.query.all }), now: Date.now() }),
    );
    app.post(
      "/silences",
      {
        config: { role: "lead", rateLimit: writeLimit(ctx.api) },
        schema: {
          tags,
          summary: "Silence a key (kind and key), a key kind or an incident type for a while, with a reason",
          body: SilenceBody,
          response: responses({ 201: Silence }),
        },
      },
      async (req, reply) => reply.status(201).send(await ctx.silences.add(req.body, req.principal!.name)),
    );
    app.delete(
      "/silences/:id",
      {
        config: { role: "lead", rateLimit: writeLimit(ctx.api) },
        schema: {
          tags,
          summary: "End a silence now (kept, with who ended it, for a week)",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }) }),
          response: responses({ 200: Silence }),
        },
      },
      async (req) => ctx.silences.expire(req.params.id, req.principal!.name),
    );
    app.get(
      "/suppressed",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: "Incident openings a silence or an inhibiting incident stopped, newest first",
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
          response: responses({ 200: Type.Object({ suppressed: Type.Array(SuppressedOpening) }) }),
        },
      },
      async (req) => ({ suppressed: await ctx.silences.suppressed(req.query.limit) }),
    );
    return Promise.resolve();
  };
