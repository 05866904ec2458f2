// A real Redis (Debian's redis-server) on loopback, with AOF on, run from .services/redis.
// Tests that restart Redis start a private one (own port and dir) the same way.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isAlive, portOpen, readPid, stopPid, waitFor } from "./process";

export const REDIS_PORT = 16379;

export interface RedisPaths {
  dir: string;
  pid: string;
  log: string;
  /** Port on 127.0.0.1. */
  port: number;
}

/** The shared Redis by default; `instance` describes another one (its own dir and port). */
export function redisPaths(repoRoot: string, instance: { dir?: string; port?: number } = {}): RedisPaths {
  const dir = instance.dir ?? join(repoRoot, ".services/redis");
  return { dir, pid: join(dir, "redis.pid"), log: join(dir, "redis.log"), port: instance.port ?? REDIS_PORT };
}

const hasRedisServer = () => spawnSync("redis-server", ["--version"]).status === 0;

/** Installs redis-server from Debian's packages when missing and allowed (root). */
export function installRedis(say: (line: string) => void): void {
  if (hasRedisServer()) return;
  if (process.getuid?.() !== 0)
    throw new Error("redis-server is not installed: run `sudo apt-get install -y redis-server` (or set REDIS_URL)");
  say("installing redis-server with apt-get...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-qq", "redis-server"], { stdio: "inherit", env });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    r = spawnSync("apt-get", ["install", "-y", "-qq", "redis-server"], { stdio: "inherit", env });
  }
  if (r.status !== 0 || !hasRedisServer()) throw new Error("apt-get could not install redis-server");
}

export function redisRunning(p: RedisPaths): boolean {
  return isAlive(readPid(p.pid));
}

export async function startRedis(p: RedisPaths, timeoutMs = 20_000): Promise<void> {
  mkdirSync(p.dir, { recursive: true });
  if (!redisRunning(p)) {
    const r = spawnSync(
      "redis-server",
      [
        "--port",
        String(p.port),
        "--bind",
        "127.0.0.1",
        "--daemonize",
        "yes",
        "--dir",
        p.dir,
        "--pidfile",
        p.pid,
        "--logfile",
        p.log,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
      ],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`redis-server failed to start: ${r.stderr || r.stdout}`);
  }
  await waitFor("Redis", () => portOpen("127.0.0.1", p.port), timeoutMs);
}

export const stopRedis = (p: RedisPaths) => stopPid(p.pid, 10_000);
