// Runs the review API: wires config → Redis, Kafka, the services and buildServer, listens, runs the
// actions publisher and the lease sweeper, and closes everything in reverse order.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { RedisClient } from "../redis/client";
import { connectRedis } from "../redis/client";
import { Partitioners } from "kafkajs";
import { apiConfig, appealsConfig, REPO_ROOT, type Config } from "../config";
import { Events } from "../events";
import { IncidentService } from "../incidents/service";
import { Silences } from "../incidents/silences";
import { normaliseKey } from "../windows/keyset";
import type { Logger } from "../log";
import { startApiMetrics } from "../metrics/api";
import { AuthStore } from "../review/auth";
import { ActionPublisher } from "../review/publisher";
import { ReviewService } from "../review/queue";
import { ReviewStats } from "../review/stats";
import { createKafka, ensureTopics } from "../source/kafka";
import { Keys } from "../keys";
import { buildServer, type App } from "./server";
import type { ServerDeps } from "./context";

export const UI_DIR = resolve(REPO_ROOT, "ui/dist");

export interface RunningApi {
  app: App;
  url: string;
  deps: ServerDeps;
  close(): Promise<void>;
}

/** The services the API needs, for the server, the CLI and tests. */
export function apiDeps(cfg: Config, redis: RedisClient, events = new Events()) {
  const p = cfg.pipeline;
  const ic = p.incidents;
  if (!ic) throw new Error("the pipeline file has no incidents section");
  const api = apiConfig(p);
  const keys = new Keys(p.redis.prefix);
  const incidents = new IncidentService({ redis, keys, pipeline: p, events });
  const review = new ReviewService({
    redis,
    keys,
    events,
    slaMinutes: ic.slaMinutes,
    leaseSeconds: api.leaseSeconds,
    maxWaiting: api.maxWaiting,
    // A decision on an incident acts on the posts and accounts of its evidence.
    evidenceOf: async (id) =>
      (await incidents.store.evidence(id)).map((e) => ({ postId: e.id, accountId: e.authorId })),
  });
  const auth = new AuthStore(redis, keys, api.sessionTtlSeconds);
  const appealsGroup = appealsConfig(p).group;
  const silences = new Silences({ redis, keys, normaliseKey, audit: (e) => review.audit.append(e) });
  return { api, incidentsConfig: ic, appealsGroup, redis, keys, events, review, incidents, silences, auth };
}

export async function startApi(
  cfg: Config,
  log: Logger,
  o: { port?: number; host?: string; uiDir?: string } = {},
): Promise<RunningApi> {
  const redis = connectRedis(cfg, { enableAutoPipelining: true });
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis connection error"));
  const base = apiDeps(cfg, redis);
  const kafka = createKafka(cfg, log, "-api");
  await ensureTopics(kafka, cfg);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const admin = kafka.admin();
  await admin.connect();
  const publisher = new ActionPublisher({
    redis,
    keys: base.keys,
    kafka,
    producer,
    topic: cfg.pipeline.kafka.topics.actions,
    consumer: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    onError: (err) => log.warn({ err }, "publishing moderation actions failed, will retry"),
  });
  const deps: ServerDeps = {
    ...base,
    logger: log,
    uiDir: o.uiDir ?? UI_DIR,
    ready: async () => ({
      kafka: await Promise.race([
        admin.describeCluster().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
      ]).catch(() => false),
    }),
  };
  const app = await buildServer(deps);
  const stats = new ReviewStats({ redis, keys: base.keys });
  const metrics = await startApiMetrics({
    app,
    events: base.events,
    sources: { reviewFigures: () => stats.figures(), reviewActivity: () => stats.activity() },
    serve: cfg.pipeline.metrics,
    log,
  });
  const url = await app.listen({ host: o.host ?? base.api.host, port: o.port ?? base.api.port });
  publisher.start();
  const sweeper = setInterval(() => {
    base.review.sweep().catch((err: unknown) => log.warn({ err }, "lease sweep failed"));
  }, 2000);
  log.info({ url }, "review API listening");
  return {
    app,
    url,
    deps,
    async close() {
      clearInterval(sweeper);
      await app.close();
      await metrics.close();
      await publisher.close();
      await admin.disconnect();
      await producer.disconnect();
      await redis.quit().catch(() => redis.disconnect());
      log.info("review API stopped");
    },
  };
}
