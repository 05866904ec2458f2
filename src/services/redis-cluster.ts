// A real Redis Cluster on loopback (Debian's redis-server in cluster mode): three primaries and
// three replicas, AOF on, created once with `redis-cli --cluster create`, run from .services/rc.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isAlive, readPid, stopPid, waitFor } from "./process";

/** Ports of the six nodes; `redis-cli --cluster create` makes the first three primaries. */
export const CLUSTER_PORTS = [17001, 17002, 17003, 17004, 17005, 17006] as const;

/** The REDIS_CLUSTER_NODES value that points at this cluster. */
export const CLUSTER_NODES = CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(",");

/**
 * How long a primary may be unreachable before its replica is promoted. Redis's default (15 s)
 * is meant for real networks; on loopback 2 s is plenty and keeps the fault test short.
 */
const NODE_TIMEOUT_MS = 2000;

export interface ClusterNodePaths {
  port: number;
  dir: string;
  pid: string;
  log: string;
}

/** The shared cluster's nodes by default; `instance` describes another one (its own dir and ports). */
export function clusterPaths(
  repoRoot: string,
  instance: { dir?: string; ports?: readonly number[] } = {},
): ClusterNodePaths[] {
  return (instance.ports ?? CLUSTER_PORTS).map((port) => {
    const dir = join(instance.dir ?? join(repoRoot, ".services/rc"), String(port));
    return { port, dir, pid: join(dir, "redis.pid"), log: join(dir, "redis.log") };
  });
}

function cli(port: number, ...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
    encoding: "utf8",
    timeout: 10_000,
  });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** `CLUSTER INFO` of one node as fields ("cluster_state" → "ok"), empty when it does not answer. */
export function clusterInfo(port: number): Record<string, string> {
  const r = cli(port, "cluster", "info");
  if (!r.ok) return {};
  return Object.fromEntries(
    r.out
      .split(/\r?\n/)
      .map((l) => l.split(":"))
      .filter((kv): kv is [string, string] => kv.length === 2 && kv[0] !== undefined && kv[1] !== undefined)
      .map(([k, v]) => [k.trim(), v.trim()]),
  );
}

export function clusterNodeRunning(n: ClusterNodePaths): boolean {
  return isAlive(readPid(n.pid));
}

function startNode(n: ClusterNodePaths): void {
  mkdirSync(n.dir, { recursive: true });
  if (clusterNodeRunning(n)) return;
  const args = [
    ...["--port", String(n.port), "--bind", "127.0.0.1", "--daemonize", "yes"],
    ...["--cluster-enabled", "yes", "--cluster-config-file", join(n.dir, "nodes.conf")],
    ...["--cluster-node-timeout", String(NODE_TIMEOUT_MS)],
    ...["--dir", n.dir, "--pidfile", n.pid, "--logfile", n.log],
    ...["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
  ];
  const r = spawnSync("redis-server", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`redis-server on port ${n.port} failed to start: ${r.stderr || r.stdout}`);
}

/** True when every node answers and agrees that the cluster is ok with all slots assigned. */
export function clusterReady(nodes: readonly ClusterNodePaths[]): boolean {
  return nodes.every((n) => {
    const info = clusterInfo(n.port);
    return info.cluster_state === "ok" && info.cluster_slots_assigned === "16384";
  });
}

/**
 * Starts the six nodes (each keeps its nodes.conf, so a restarted cluster re-forms by itself),
 * creates the cluster the first time, and waits until every node reports it ok.
 */
export async function startRedisCluster(
  nodes: readonly ClusterNodePaths[],
  say: (line: string) => void,
  timeoutMs = 60_000,
) {
  for (const n of nodes) startNode(n);
  await waitFor(
    "Redis Cluster nodes",
    () => Promise.resolve(nodes.every((n) => cli(n.port, "ping").out.includes("PONG"))),
    20_000,
  );
  const first = nodes[0];
  if (first && clusterInfo(first.port).cluster_slots_assigned === "0") {
    say("creating the Redis Cluster (3 primaries, 3 replicas)...");
    const r = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "1", "--cluster-yes"],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stderr || r.stdout}`);
  }
  await waitFor("Redis Cluster", () => Promise.resolve(clusterReady(nodes)), timeoutMs);
}

export async function stopRedisCluster(nodes: readonly ClusterNodePaths[]): Promise<boolean> {
  const stopped = await Promise.all(nodes.map((n) => stopPid(n.pid, 10_000)));
  return stopped.some(Boolean);
}

/** Per node: its port, whether it answers, its role and the cluster state it sees. */
export function redisClusterStatus(repoRoot: string) {
  return clusterPaths(repoRoot).map((n) => {
    const role = cli(n.port, "role").out.split(/\r?\n/)[0]?.trim();
    return { port: n.port, up: clusterNodeRunning(n), role: role || "down", state: clusterInfo(n.port).cluster_state };
  });
}
