// A real single-node Apache Kafka broker (KRaft) from Maven Central's jars, run from .services/kafka.
// Tests that restart a broker start a private one (own ports and data dir) with the same jars.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, portOpen, readPid, stopPid, waitFor } from "./process";

export const KAFKA_PORT = 19092;
const CONTROLLER_PORT = 19093;

export interface KafkaPaths {
  root: string;
  lib: string;
  data: string;
  props: string;
  pid: string;
  log: string;
  pom: string;
  /** Client (PLAINTEXT) and KRaft controller listener ports, both on 127.0.0.1. */
  port: number;
  controllerPort: number;
}

export interface KafkaInstance {
  /** Directory for this broker's config, data, pid and log (default .services/kafka). */
  dir?: string;
  port?: number;
  controllerPort?: number;
}

/** The shared broker by default; `instance` describes another one (the jars are always shared). */
export function kafkaPaths(repoRoot: string, instance: KafkaInstance = {}): KafkaPaths {
  const shared = join(repoRoot, ".services/kafka");
  const root = instance.dir ?? shared;
  return {
    root,
    lib: join(shared, "lib"),
    data: join(root, "data"),
    props: join(root, "server.properties"),
    pid: join(root, "kafka.pid"),
    log: join(root, "kafka.log"),
    pom: join(repoRoot, "services/kafka/pom.xml"),
    port: instance.port ?? KAFKA_PORT,
    controllerPort: instance.controllerPort ?? CONTROLLER_PORT,
  };
}

/** Copies the broker's jars from Maven Central (or the local Maven cache) once. */
export function installKafka(p: KafkaPaths, say: (line: string) => void): void {
  if (existsSync(p.lib) && readdirSync(p.lib).some((f) => f.startsWith("kafka_2.13-"))) return;
  say("fetching Apache Kafka jars with mvn (first run only)...");
  const r = spawnSync(
    "mvn",
    ["-q", "-B", "-f", p.pom, "dependency:copy-dependencies", `-DoutputDirectory=${p.lib}`, "-DincludeScope=runtime"],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  if (r.error) throw new Error(`cannot run mvn (install Maven and a JDK 17+): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`mvn failed to fetch the Kafka jars (exit ${r.status})`);
}

function java(p: KafkaPaths, args: string[]) {
  return spawnSync("java", ["-cp", `${p.lib}/*`, ...args], { encoding: "utf8" });
}

/** Writes the loopback-only KRaft config and formats storage when the data dir is new. */
export function configureKafka(p: KafkaPaths, partitions: number): void {
  mkdirSync(p.data, { recursive: true });
  writeFileSync(
    p.props,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.bootstrap.servers=127.0.0.1:${p.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}`,
      "controller.listener.names=CONTROLLER",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      `log.dirs=${p.data}`,
      `num.partitions=${partitions}`,
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=4",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=true",
      "log.retention.hours=24",
      "",
    ].join("\n"),
  );
  if (existsSync(join(p.data, "meta.properties"))) return;
  const id = java(p, ["kafka.tools.StorageTool", "random-uuid"]).stdout.trim();
  const f = java(p, ["kafka.tools.StorageTool", "format", "--standalone", "-t", id, "-c", p.props]);
  if (f.status !== 0) throw new Error(`formatting Kafka storage failed: ${f.stderr || f.stdout}`);
}

export function kafkaRunning(p: KafkaPaths): boolean {
  return isAlive(readPid(p.pid));
}

export async function startKafka(p: KafkaPaths, timeoutMs = 90_000): Promise<void> {
  if (!kafkaRunning(p)) {
    const out = openSync(p.log, "a");
    const child = spawn(
      "java",
      ["-Xms512m", "-Xmx1g", "-Dlog4j2.level=warn", "-cp", `${p.lib}/*`, "kafka.Kafka", p.props],
      { detached: true, stdio: ["ignore", out, out] },
    );
    closeSync(out);
    writeFileSync(p.pid, String(child.pid));
    child.unref();
  }
  await waitFor("Kafka broker", () => portOpen("127.0.0.1", p.port), timeoutMs);
}

export const stopKafka = (p: KafkaPaths) => stopPid(p.pid, 30_000);
