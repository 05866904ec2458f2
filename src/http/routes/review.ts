// The review queue over HTTP: counts, pages, claim next, renew / release, decide, reassign, and
// the live change stream.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import { REVIEW_QUEUES } from "../../domain";
import {
  Action,
  Claim,
  DecisionBody,
  ItemParams,
  LockBody,
  Pagination,
  QueueCounts,
  QueueParams,
  ReviewItem,
  responses,
} from "../schemas";
import { writeLimit, type RouteContext } from "../context";

const tags = ["review"];

export const reviewRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  (app) => {
    const write = { rateLimit: writeLimit(ctx.api) };
    app.get(
      "/queues",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: "Every queue with its counts",
          response: responses({ 200: Type.Object({ queues: Type.Array(QueueCounts), now: Type.Number() }) }),
        },
      },
      async () => ({
        queues: (await ctx.review.counts()).map((c) => ({
          ...c,
          group: c.queue === "appeals" ? ctx.appealsGroup : ctx.incidentsConfig.groups[c.queue],
        })),
        now: Date.now(),
      }),
    );
    app.get(
      "/queues/:queue/items",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: "A page of a queue's waiting, escalated or claimed items, in priority order",
          params: QueueParams,
          querystring: Type.Object({
            state: Type.Optional(
              Type.Union([Type.Literal("waiting"), Type.Literal("escalated"), Type.Literal("claimed")], {
                default: "waiting",
              }),
            ),
            ...Pagination,
          }),
          response: responses({
            200: Type.Object({
              items: Type.Array(ReviewItem),
              total: Type.Integer(),
              nextOffset: Type.Optional(Type.Integer()),
            }),
          }),
        },
      },
      async (req) => {
        const offset = req.query.offset ?? 0;
        const limit = req.query.limit ?? 50;
        const page = await ctx.review.list(req.params.queue, req.query.state ?? "waiting", offset, limit);
        return { ...page, ...(offset + limit < page.total ? { nextOffset: offset + limit } : {}) };
      },
    );
    app.post(
      "/queues/:queue/claim",
      {
        config: { role: "moderator", ...write },
        schema: {
          tags,
          summary: "Claim the next item: { item, lockToken }, or null when the queue is empty",
          params: QueueParams,
          response: responses({ 200: Type.Union([Claim, Type.Null()]) }),
        },
      },
      // JSON text built from the item's stored JSON (src/review/items.ts): fastify sends a string
      // as it is, so the untyped reply, and the response schema documents what it holds.
      async (req, reply) =>
        (reply as FastifyReply)
          .type("application/json; charset=utf-8")
          .send(await ctx.review.claimNextJson(req.params.queue, req.principal!.name, req.principal!.role)),
    );
    app.get(
      "/claims",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: "Items I hold, with their lock tokens",
          response: responses({ 200: Type.Object({ claims: Type.Array(Claim) }) }),
        },
      },
      async (req) => ({ claims: await ctx.review.mine(req.principal!.name) }),
    );
    app.get(
      "/items/:id",
      { config: { role: "moderator" }, schema: { tags, params: ItemParams, response: responses({ 200: ReviewItem }) } },
      async (req) => ctx.review.get(req.params.id),
    );
    app.post(
      "/items/:id/renew",
      {
        config: { role: "moderator", ...write },
        schema: {
          tags,
          summary: "Extend my lease",
          params: ItemParams,
          body: LockBody,
          response: responses({ 200: Type.Object({ leaseUntil: Type.Number() }) }),
        },
      },
      async (req) => ({ leaseUntil: await ctx.review.renew(req.params.id, req.body.lockToken, req.principal!.name) }),
    );
    app.post(
      "/items/:id/release",
      {
        config: { role: "moderator", ...write },
        schema: {
          tags,
          summary: "Give the item back to its queue",
          params: ItemParams,
          body: LockBody,
          response: responses({ 204: Type.Null() }),
        },
      },
      async (req, reply) => {
        await ctx.review.release(req.params.id, req.body.lockToken, req.principal!.name);
        return reply.status(204).send(null);
      },
    );
    app.post(
      "/items/:id/decision",
      {
        config: { role: "moderator", ...write },
        schema: {
          tags,
          summary: "Decide an item I hold; published once per decisionId to the actions topic",
          params: ItemParams,
          body: DecisionBody,
          response: responses({ 200: Type.Object({ action: Action, duplicate: Type.Boolean() }) }),
        },
      },
      async (req) => ctx.review.decide({ ...req.body, itemId: req.params.id, moderator: req.principal!.name }),
    );
    app.post(
      "/items/:id/reassign",
      {
        config: { role: "lead", ...write },
        schema: {
          tags,
          summary: "Hand an item to a moderator (they find its lock token in /claims)",
          params: ItemParams,
          body: Type.Object(
            {
              to: Type.String({ minLength: 1, maxLength: 100 }),
              reason: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: responses({ 200: Type.Object({ item: ReviewItem }) }),
        },
      },
      async (req) => ({
        item: (await ctx.review.reassign(req.params.id, req.body.to, req.principal!.name, req.body.reason)).item,
      }),
    );
    app.get(
      "/events",
      {
        config: { role: "moderator" },
        schema: {
          tags,
          summary: `Server-sent events: "change" with { kind, queue } whenever a queue (${REVIEW_QUEUES.join(", ")}) changes`,
          produces: ["text/event-stream"],
          response: responses({ 200: Type.String() }),
        },
      },
      async (req, reply) => ctx.changes.stream(req, reply),
    );
    return Promise.resolve();
  };
