// The incidents worker extension: applies spikes from the {spikes} stream, samples evidence from
// the pipeline's steps, publishes incident events, watches the pipeline's health, and — in the
// one worker holding the incident lease — re-grades, proposes resolutions and scans user reports.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Kafka } from "kafkajs";
import type { Extension, WorkerContext } from "./context";
import { recordEvidence } from "../incidents/evidence";
import { SpikeFeed } from "../incidents/feed";
import { HealthWatcher } from "../incidents/health";
import { Publisher } from "../incidents/publisher";
import { IncidentService } from "../incidents/service";
import { readLag } from "../metrics/lag";

/** Consumer lag of the worker group over the posts and reports topics, summed (metrics/lag.ts readLag). */
export function lagReader(kafka: Kafka, groupId: string, topics: string[]) {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    async read(): Promise<number | undefined> {
      // A failed connect is forgotten, so the next read tries again (the broker may be back).
      connected ??= admin.connect().catch((err: unknown) => {
        connected = undefined;
        throw err;
      });
      await connected;
      return (await readLag(admin, groupId, topics)).reduce((sum, p) => sum + p.lag, 0);
    },
    async close() {
      if (connected) await admin.disconnect();
    },
  };
}

export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic))
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  } finally {
    await admin.disconnect();
  }
}

export const incidentsExtension: Extension = (ctx: WorkerContext) => Promise.resolve(startIncidents(ctx));

function startIncidents(ctx: WorkerContext): { close(): Promise<void> } {
  const p = ctx.cfg.pipeline;
  const ic = p.incidents;
  if (!ic?.enabled) return { close: () => Promise.resolve() };
  const log = ctx.log.child({ component: "incidents" });
  const consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const service = new IncidentService({ redis: ctx.redis, keys: ctx.keys, pipeline: p, events: ctx.events });

  const onEvidence = (e: Parameters<typeof recordEvidence>[1]) => {
    recordEvidence(
      {
        redis: ctx.redis,
        keys: ctx.keys,
        store: service.store,
        perKey: ic.evidence.perKey,
        bucketSeconds: p.windows.bucketSeconds,
        retentionSeconds: p.windows.retentionSeconds,
      },
      e,
    ).catch((err: unknown) => log.warn({ err }, "evidence sample failed"));
  };
  ctx.events.on("stepEvidence", onEvidence);

  const feed = new SpikeFeed({
    redis: ctx.redis,
    keys: ctx.keys,
    consumer,
    apply: (spike, ref) => service.applySpike(spike, ref),
  });
  const publisher = new Publisher({
    redis: ctx.redis,
    keys: ctx.keys,
    producer: ctx.producer,
    consumer,
    incidentsTopic: p.kafka.topics.incidents,
    statementsTopic: ic.statementsTopic,
    alertmanager: ic.alertmanager.url ? ic.alertmanager : undefined,
    ensureStatementsTopic: () => ensureTopic(ctx.kafka, ic.statementsTopic, p.kafka.partitions),
    onAlertError: (err) => log.warn({ err: err.message }, "alertmanager forward failed"),
  });
  const lag = lagReader(ctx.kafka, p.kafka.groupId, [p.kafka.topics.posts, p.kafka.topics.reports]);
  const watcher = new HealthWatcher({
    events: ctx.events,
    thresholds: ic.technical,
    probe: () => ctx.redis.set(ctx.keys.healthProbe(), consumer, "PX", 60_000),
    lag: () => lag.read(),
    onBad: async (signal, value, text, since) => {
      await service.reportFault(signal, value, text, since, consumer);
    },
    onHealthy: async (signal, text) => {
      await service.clearFault(signal, text, ic.technical.healthySeconds * 1000);
    },
  });

  const step = async (name: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      ctx.events.emit("stepError", { stage: "incidents", error: err as Error });
      log.warn({ err, step: name }, "incidents step failed");
    }
  };
  // One tick at a time: a tick slower than tickMs (refresh grows with the open incidents, and
  // Redis is slow under load) makes the next one wait for the next interval instead of queueing
  // behind it. Queued ticks used to pile up without bound, and close() waited for all of them.
  let closing = false;
  const tick = async () => {
    for (const [name, run] of [
      ["health", () => watcher.tick()],
      ["spikes", () => feed.poll()],
      [
        "lease",
        async () => {
          if (!(await service.store.holdLease(consumer, ic.tickMs * 3))) return;
          await service.refresh();
          await service.scanReports();
        },
      ],
      ["publish", () => publisher.poll()],
    ] as const) {
      if (closing) return;
      await step(name, run);
    }
  };
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= tick().finally(() => (running = undefined));
  }, ic.tickMs);
  log.info({ consumer }, "incidents running");

  return {
    async close() {
      closing = true;
      clearInterval(timer);
      await running;
      ctx.events.off("stepEvidence", onEvidence);
      watcher.close();
      await lag.close();
    },
  };
}
