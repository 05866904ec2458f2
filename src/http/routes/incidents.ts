// Incidents as moderators see them: list, the incident page's data, and statements by a lead.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { INCIDENT_STATES } from "../../domain";
import { EvidencePost, Incident, IncidentEvent, IncidentType, responses } from "../schemas";
import { writeLimit, type RouteContext } from "../context";

const tags = ["incidents"];
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const incidentRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    app.get(
      "/incidents",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          querystring: Type.Object({
            state: Type.Optional(
              Type.Unsafe<(typeof INCIDENT_STATES)[number]>({ type: "string", enum: [...INCIDENT_STATES] }),
            ),
            type: Type.Optional(IncidentType),
            grade: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
            group: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "working group" })),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "search key, title and text" })),
            live: Type.Optional(Type.Boolean()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          }),
          response: responses({ 200: Type.Object({ incidents: Type.Array(Incident) }) }),
        },
      },
      async (req) => ({ incidents: await ctx.incidents.list(req.query) }),
    );
    app.get(
      "/incidents/:id",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: "Grade, timeline, sparkline (bucket start, flagged posts), evidence posts and SLA deadline",
          params: IdParams,
          response: responses({
            200: Type.Object({
              incident: Incident,
              respondBy: Type.Number(),
              timeline: Type.Array(IncidentEvent),
              evidence: Type.Array(EvidencePost),
              sparkline: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
            }),
          }),
        },
      },
      async (req) => {
        const incident = await ctx.incidents.get(req.params.id);
        const [timeline, evidence, sparkline] = await Promise.all([
          ctx.incidents.timeline(req.params.id),
          ctx.incidents.store.evidence(req.params.id),
          ctx.incidents.store.sparkline(req.params.id),
        ]);
        return { incident, respondBy: ctx.incidents.respondBy(incident), timeline, evidence, sparkline };
      },
    );
    app.post(
      "/incidents/:id/statements",
      {
        config: { role: "lead", rateLimit: writeLimit(ctx.api) },
        schema: {
          tags,
          summary: "Publish a progress statement or rebuttal (辟谣) on the incident",
          params: IdParams,
          body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false }),
          response: responses({ 201: IncidentEvent }),
        },
      },
      async (req, reply) => {
        const e = await ctx.incidents.addStatement(req.params.id, req.body.text, req.principal!.name);
        return reply.status(201).send(e);
      },
    );
    return Promise.resolve();
  };
