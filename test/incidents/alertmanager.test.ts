// Incident events forwarded to a real Prometheus Alertmanager (the Debian package), started on a
// loopback port for this file: the grade arrives as the alert's severity, and resolving ends it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Producer } from "kafkajs";
import { Events } from "../../src/events";
import { Publisher } from "../../src/incidents/publisher";
import { IncidentService } from "../../src/incidents/service";
import { ensureTopics } from "../../src/source/kafka";
import { Keys } from "../../src/keys";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, kafkaClient, redisClient } from "../helpers/env";

const BIN = "/usr/bin/prometheus-alertmanager";
const cfg = isolatedConfig("alerts");
const keys = new Keys(cfg.pipeline.redis.prefix);
let redis: RedisClient;
let producer: Producer;
let am: ChildProcess | undefined;
let url = "";
const dir = mkdtempSync(join(tmpdir(), "modstream-am-"));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  redis = redisClient(cfg);
  await ensureTopics(kafkaClient(cfg), cfg);
  producer = kafkaClient(cfg).producer();
  await producer.connect();
  const port = await freePort();
  writeFileSync(join(dir, "am.yml"), "route:\n  receiver: none\nreceivers:\n  - name: none\n");
  am = spawn(
    BIN,
    [
      `--config.file=${join(dir, "am.yml")}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
    ],
    { stdio: "ignore" },
  );
  url = `http://127.0.0.1:${port}`;
  await eventually(
    "alertmanager ready",
    () =>
      fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok,
    20_000,
  );
});

afterAll(async () => {
  if (am?.pid) am.kill("SIGTERM");
  await producer.disconnect();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
  rmSync(dir, { recursive: true, force: true });
});

interface Alert {
  labels: Record<string, string>;
  endsAt: string;
  status: { state: string };
}

describe("alertmanager forwarding", () => {
  it("is installed", () => expect(existsSync(BIN)).toBe(true));

  it("sends an incident as an alert with its grade as severity, and ends it when resolved", async () => {
    const s = new IncidentService({ redis, keys, pipeline: cfg.pipeline, events: new Events() });
    const { id } = await s.open({
      type: "attack",
      source: "spike",
      kind: "url",
      key: "spam.example/x",
      tag: keys.tag("url", "spam.example/x"),
      ref: "am-1",
      figures: { flagged: 300, posts: 320, perMinute: 600, authors: 120, reach: 200_000, confidence: 40, growth: 20 },
      firstEvidenceAt: Date.now() - 30_000,
      text: "flood",
    });
    const severity = ["I", "II", "III", "IV"][(await s.get(id)).grade - 1];
    const publisher = new Publisher({
      redis,
      keys,
      producer,
      consumer: "am",
      incidentsTopic: cfg.pipeline.kafka.topics.incidents,
      statementsTopic: cfg.pipeline.kafka.topics.incidents,
      alertmanager: { url, timeoutMs: 2000 },
      onAlertError: (err) => {
        throw err;
      },
    });
    await publisher.poll();
    const alerts = () =>
      fetch(`${url}/api/v2/alerts?active=true&inhibited=true&silenced=true&unprocessed=true`)
        .then((r) => r.json() as Promise<Alert[]>)
        .then((list) => list.filter((a) => a.labels.incident === id));
    const [alert] = await eventually("alert received", alerts, (l) => l.length === 1, 15_000);
    expect(alert?.labels).toMatchObject({ alertname: "ModstreamIncident", type: "attack", severity });

    await s.transition(id, "resolved", { actor: "lead", note: "blocked the domain" });
    await publisher.poll();
    // A resolved alert leaves the active list.
    await eventually(
      "alert ended",
      () =>
        fetch(`${url}/api/v2/alerts?active=true`)
          .then((r) => r.json() as Promise<Alert[]>)
          .then((l) => l.filter((a) => a.labels.incident === id).length),
      (n) => n === 0,
      15_000,
    );
  });
});
