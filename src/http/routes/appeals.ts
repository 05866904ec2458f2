// Appeals over HTTP, for support staff filing an author's appeal: the appeals topic's contract,
// with the refusals that topic dead-letters answered as errors instead (400 malformed or not the
// decision's author, 404 unknown decision, 409 duplicate).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { appealConflict, badRequest, notFound } from "../../errors";
import { Action, AppealBody, ReviewItem, responses } from "../schemas";
import { writeLimit, type RouteContext } from "../context";

const tags = ["appeals"];

export const appealRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    app.post(
      "/appeals",
      {
        config: { role: "support", rateLimit: writeLimit(ctx.api) },
        schema: {
          tags,
          summary:
            "File an author's appeal of a decision: queued for the appeals group (201), or the same appeal again (200)",
          body: AppealBody,
          response: responses({
            200: Type.Object({ item: ReviewItem, duplicate: Type.Boolean() }),
            201: Type.Object({ item: ReviewItem, duplicate: Type.Boolean() }),
          }),
        },
      },
      async (req, reply) => {
        const { createdAt, ...rest } = req.body;
        const r = await ctx.review.fileAppeal(
          { ...rest, createdAt: createdAt ?? new Date().toISOString() },
          req.principal!.name,
        );
        if (r.ok) return reply.status(r.duplicate ? 200 : 201).send({ item: r.item, duplicate: r.duplicate });
        switch (r.reason) {
          case "appeal_invalid":
            throw badRequest(r.detail);
          case "appeal_unknown_decision":
            throw notFound(`decision ${rest.decisionId}`);
          case "appeal_duplicate":
            throw appealConflict(r.detail);
        }
      },
    );
    app.get(
      "/appeals/:id",
      {
        config: { role: "support" },
        schema: {
          tags,
          summary: "An appeal's queue item (waiting, claimed or decided) and, once decided, the decision",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
          response: responses({ 200: Type.Object({ item: ReviewItem, decision: Type.Optional(Action) }) }),
        },
      },
      async (req) => ctx.review.appeal(req.params.id),
    );
    return Promise.resolve();
  };
