// buildServer(deps): the review API and UI as a fastify app. Returns the app and never listens
// (tests use app.inject(); src/http/run.ts listens). Every route declares the least role it needs
// in `config.role`; a route without one fails the build.
import { existsSync, readdirSync } from "node:fs";
import { sep } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyCors from "@fastify/cors";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Role } from "../domain";
import type { Principal } from "../review/auth";
import { followIncidents } from "../worker/review";
import { authenticate, authorise, SESSION_COOKIE } from "./auth";
import { errorHandler, notFoundHandler } from "./errors";
import { readInputStrictly, refuseUnexpectedBody } from "./input";
import { QuietRequests } from "./logging";
import { securityHeaders } from "./security";
import { Changes } from "./sse";
import { ErrorBody } from "./schemas";
import type { ServerDeps } from "./context";
import { healthRoutes } from "./routes/health";
import { authRoutes } from "./routes/auth";
import { reviewRoutes } from "./routes/review";
import { incidentRoutes } from "./routes/incidents";
import { adminRoutes } from "./routes/admin";
import { appealRoutes } from "./routes/appeals";
import { silenceRoutes } from "./routes/silences";

export type RouteRole = Role | "public";

declare module "fastify" {
  interface FastifyContextConfig {
    role?: RouteRole;
  }
  interface FastifyInstance {
    /** Every route with the least role it needs (the role-matrix test walks it). */
    routeRoles: { method: string; url: string; role: RouteRole }[];
  }
  interface FastifyRequest {
    principal?: Principal;
    sessionId?: string;
  }
}

export type App = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export async function buildServer(deps: ServerDeps): Promise<App> {
  const security = await securityHeaders();
  const app = Fastify({
    loggerInstance: typeof deps.logger === "object" ? deps.logger : undefined,
    logger: typeof deps.logger === "boolean" ? deps.logger : undefined,
    trustProxy: false,
    // Open event streams must not hold up a shutdown.
    forceCloseConnections: true,
    logController: new QuietRequests(),
    bodyLimit: 64 * 1024,
    // Item ids run to 105 characters (`post:` and a 100-character post id); ItemParams bounds them.
    routerOptions: { maxParamLength: 200 },
    // Malformed URLs (invalid percent-encoding) never reach a route: answer them like the rest.
    frameworkErrors: (err, req, reply) => void errorHandler(err, req, reply.headers(security)),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  readInputStrictly(app);

  const routeRoles: { method: string; url: string; role: RouteRole }[] = [];
  const uiDir = deps.uiDir && existsSync(deps.uiDir) ? deps.uiDir : undefined;
  const uiFiles = new Set(
    uiDir ? readdirSync(uiDir, { recursive: true, encoding: "utf8" }).map((f) => `/${f.split(sep).join("/")}`) : [],
  );
  app.decorate("routeRoles", routeRoles);
  app.addHook("onRoute", (route) => {
    const url = route.url;
    const methods = [route.method].flat().filter((m) => m !== "HEAD");
    if (route.config?.role) for (const method of methods) routeRoles.push({ method, url, role: route.config.role });
    if (url.startsWith("/docs") || route.config?.role) return;
    // CORS preflight, the UI's files and its entry page are public; the API calls they make are not.
    if (methods.includes("OPTIONS") || url === "/" || uiFiles.has(url)) {
      route.config = { ...route.config, role: "public" };
      return;
    }
    throw new Error(`route ${String(route.method)} ${url} declares no role`);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addSchema(ErrorBody);

  // Before every other hook, so errors (401, 404, 429, ...) carry them too.
  app.addHook("onRequest", (_req, reply, done) => {
    void reply.headers(security);
    done();
  });
  await app.register(fastifyCors, {
    origin: deps.api.corsOrigins.length ? [...deps.api.corsOrigins] : false,
    credentials: true,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    hook: "preHandler",
    keyGenerator: (req) => req.principal?.tokenId ?? req.ip,
    errorResponseBuilder: (_req, ctx) => ({
      code: "RATE_LIMITED",
      message: `too many requests, retry in ${Math.ceil(ctx.ttl / 1000)}s`,
      statusCode: 429,
    }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "modstream review API", version: "1.0.0", description: "Moderators' review queue (docs/api.md)" },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "API token (modstream token create)" },
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs", staticCSP: true });

  app.addHook("onRequest", async (req) => {
    req.principal = await authenticate(req, deps.auth);
    authorise(req);
    refuseUnexpectedBody(req);
  });

  const changes = new Changes(deps.redis, deps.keys.reviewChannel());
  app.addHook("onClose", () => changes.close());
  // Statements and transitions made through this server go to the audit log (and re-queue on a grade change).
  const onIncident = followIncidents(
    deps.review,
    (id) => deps.incidents.get(id),
    (err) => app.log.warn({ err }, "audit of an incident event failed"),
  );
  deps.events.on("incident", onIncident);
  app.addHook("onClose", (_app, done) => {
    deps.events.off("incident", onIncident);
    done();
  });

  const ctx = { ...deps, changes };
  await app.register(healthRoutes(ctx));
  await app.register(authRoutes(ctx), { prefix: "/api" });
  await app.register(reviewRoutes(ctx), { prefix: "/api" });
  await app.register(incidentRoutes(ctx), { prefix: "/api" });
  await app.register(adminRoutes(ctx), { prefix: "/api" });
  await app.register(appealRoutes(ctx), { prefix: "/api" });
  await app.register(silenceRoutes(ctx), { prefix: "/api" });
  if (uiDir) await app.register(fastifyStatic, { root: uiDir, prefix: "/", wildcard: false, index: "index.html" });
  return app;
}
