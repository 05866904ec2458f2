// The error handler: deliberate errors (src/errors.ts, validation, rate limits, framework 4xx)
// pass through with their stable code; Redis being unreachable or hung is a 503 the caller may
// retry; anything else is logged and answered as a generic 500.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { internalError, ModstreamError, serviceUnavailable } from "../errors";
import { isRedisUnavailable } from "../redis/client";
import type { ErrorBodyT } from "./schemas";

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let body: ErrorBodyT;
  if (err instanceof ModstreamError && err.code !== "INTERNAL") {
    body = { code: err.code, message: err.message, statusCode: err.status };
  } else if (err.validation) {
    body = { code: "BAD_REQUEST", message: err.message, statusCode: 400 };
  } else if (err.statusCode === 429) {
    body = { code: "RATE_LIMITED", message: err.message, statusCode: 429 };
  } else if (err.code?.startsWith("FST_") && err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    body = { code: "BAD_REQUEST", message: err.message, statusCode: err.statusCode };
  } else if (isRedisUnavailable(err)) {
    req.log.warn({ err: err.message }, "redis unavailable");
    const e = serviceUnavailable("Redis", err);
    body = { code: e.code, message: e.message, statusCode: e.status };
    void reply.header("retry-after", "5");
  } else {
    req.log.error({ err }, "unexpected error");
    const e = internalError();
    body = { code: e.code, message: e.message, statusCode: e.status };
  }
  if (err instanceof ModstreamError && err.retriable && body.statusCode === 503) void reply.header("retry-after", "5");
  return reply.status(body.statusCode).send(body);
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(404)
    .send({ code: "NOT_FOUND", message: `${req.method} ${req.url.split("?")[0]} not found`, statusCode: 404 });
}
