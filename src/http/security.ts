// Security headers (helmet's, with the API's CSP), computed once per process. @fastify/helmet
// rebuilds helmet's middleware, re-parsing every CSP directive, on each request; the headers never
// depend on the request, so a probe app runs the same plugin with the same options once and every
// response gets the captured headers (server.ts sets them in its first onRequest hook).
import fastifyHelmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import Fastify from "fastify";

const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  },
};

let captured: Promise<Readonly<Record<string, string>>> | undefined;

/** The headers @fastify/helmet sets with the API's options, by lower-case name. */
export function securityHeaders(): Promise<Readonly<Record<string, string>>> {
  captured ??= probe().catch((err: unknown) => {
    captured = undefined;
    throw err;
  });
  return captured;
}

async function probe(): Promise<Readonly<Record<string, string>>> {
  const app = Fastify({ logger: false });
  await app.register(fastifyHelmet, HELMET_OPTIONS);
  let headers: Record<string, string> = {};
  // Helmet writes onto the raw response before the handler runs; fastify adds its own headers
  // (content-type, content-length) only after it, so the handler sees helmet's alone.
  app.get("/", (_req, reply) => {
    headers = Object.fromEntries(Object.entries(reply.raw.getHeaders()).map(([k, v]) => [k, String(v)]));
    return "";
  });
  await app.inject({ method: "GET", url: "/" });
  await app.close();
  if (!headers["content-security-policy"]) throw new Error("helmet set no content-security-policy");
  return Object.freeze(headers);
}
