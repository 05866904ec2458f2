// `npm run bench -- api`: the review API under load on loopback. 200 moderators (one autocannon
// connection each, with its own token) claim the next item and decide it, over and over; reports
// throughput and latency (target p99 < 50 ms). The server runs in a child process so the load
// generator does not share its event loop; Redis and Kafka are the real ones, under a random
// prefix and actions topic that are removed afterwards. `rate` runs the same moderators at a fixed
// request rate instead, and `profileDir` writes a CPU profile of the server.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { stringify } from "yaml";
import { loadConfig, type Config } from "../src/config";
import { createKafka } from "../src/source/kafka";
import { createLogger } from "../src/log";
import { apiDeps, startApi } from "../src/http/run";

export interface ApiBenchResult {
  moderators: number;
  seconds: number;
  /** Fixed request rate of the run, or null: as fast as answers come (closed loop, the target's). */
  rate: number | null;
  requests: number;
  requestsPerSec: number;
  /** Claim + decide pairs completed per second. */
  decisionsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  decided: number;
  published: number;
  targetP99Ms: number;
  meetsTarget: boolean;
  /**
   * The same moderators, connections and autocannon script against a bare fastify server in the
   * same run, answering each route with a fixed body: no auth, Redis, audit or Kafka. What this
   * machine gives any HTTP API under this load, to read the figures above by. Null for a
   * fixed-rate run.
   */
  floor: { requestsPerSec: number; latencyMs: Load["latencyMs"] } | null;
}

const CHILD_FLAG = "MODSTREAM_BENCH_API_CHILD";
/** A fixed-rate run's unmeasured start. */
const WARMUP_MS = 3000;

export async function benchApi(o: {
  config: Config;
  moderators?: number;
  seconds?: number;
  items?: number;
  /**
   * Requests per second across all moderators at a fixed rate (open loop, see fixedRate). Default:
   * each moderator sends its next request as soon as the last is answered (closed loop), which the
   * p99 target is about.
   */
  rate?: number;
  /** Write a V8 CPU profile of the server process into this directory (node --cpu-prof). */
  profileDir?: string;
  say?: (l: string) => void;
}): Promise<ApiBenchResult> {
  const say = o.say ?? (() => undefined);
  const moderators = o.moderators ?? 200;
  const seconds = o.seconds ?? 10;
  const id = randomBytes(3).toString("hex");
  const base = o.config.pipeline;
  const pipeline = {
    ...base,
    redis: { ...base.redis, prefix: `bench-api-${id}` },
    kafka: {
      ...base.kafka,
      partitions: 4,
      topics: Object.fromEntries(
        Object.keys(base.kafka.topics).map((k) => [k, `bench-${k}-${id}`]),
      ) as typeof base.kafka.topics,
    },
    metrics: undefined,
    api: {
      host: "127.0.0.1",
      port: 0,
      leaseSeconds: 300,
      sessionTtlSeconds: 600,
      secureCookies: true,
      corsOrigins: [],
      rateLimit: { authPerMinute: 100, writesPerMinute: 1_000_000 },
      postMinScore: 0.98,
      // The bench queues more than the default bound on purpose: no post may be shed.
      maxWaiting: 0,
    },
  };
  const cfg: Config = { ...o.config, pipeline };
  const file = join(tmpdir(), `modstream-bench-api-${id}.yaml`);
  writeFileSync(file, stringify(pipeline));
  const redis = new Redis(cfg.redisUrl);
  const deps = apiDeps(cfg, redis);
  let child: ChildProcess | undefined;
  try {
    const tokens = await Promise.all(
      Array.from(
        { length: moderators },
        async (_, i) => (await deps.auth.createToken("moderator", `bench-${i}`)).token,
      ),
    );
    // Enough work that the queue never runs dry during the run.
    const items = o.items ?? Math.max(20_000, moderators * seconds * 20);
    say(`queueing ${items} posts`);
    for (let i = 0; i < items; i += 500)
      await Promise.all(
        Array.from({ length: Math.min(500, items - i) }, (_, j) =>
          deps.review.enqueuePost({
            queue: "abuse",
            reason: "bench",
            grade: (((i + j) % 4) + 1) as 1 | 2 | 3 | 4,
            post: {
              id: `bp-${i + j}`,
              authorId: `ba-${(i + j) % 1000}`,
              followers: 1,
              text: "bench post",
              createdAt: new Date().toISOString(),
              scores: { rumour: 0, abuse: 0.99, attack: 0, data_leak: 0 },
              top: [],
            },
          }),
        ),
      );
    let floor: ApiBenchResult["floor"] = null;
    if (!o.rate) {
      say(`the floor: ${moderators} moderators against a bare fastify server for ${seconds}s`);
      const bare = await serve("floor", {});
      try {
        const f = await closedLoop(bare.url, tokens, moderators, seconds);
        floor = { requestsPerSec: f.requestsPerSec, latencyMs: f.latencyMs };
      } finally {
        await stop(bare.child);
      }
    }
    say("starting the API server");
    const profile = o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.profileDir}`] : [];
    const api = await serve("api", { MODSTREAM_PIPELINE: file }, profile);
    child = api.child;
    const url = api.url;
    say(
      `${moderators} moderators claiming and deciding for ${seconds}s against ${url}` +
        (o.rate ? ` at ${o.rate} requests/s` : ""),
    );
    const load = o.rate
      ? await fixedRate(url, tokens, o.rate, seconds)
      : await closedLoop(url, tokens, moderators, seconds);
    // Requests in flight when the run ends still finish; let them land first.
    await new Promise((r) => setTimeout(r, 1000));
    const decided = Number(await redis.hlen(deps.keys.reviewDecisions()));
    // Every decision reaches Kafka: wait for the outbox to drain.
    const deadline = Date.now() + 60_000;
    let published = 0;
    while (Date.now() < deadline) {
      published = Number(await redis.hlen(deps.keys.reviewPublished()));
      if (published >= decided) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const p99 = load.latencyMs.p99;
    return {
      moderators,
      seconds,
      rate: o.rate ?? null,
      requests: load.requests,
      requestsPerSec: load.requestsPerSec,
      // A fixed-rate run decides during its warm-up too.
      decisionsPerSec: Math.round(decided / (seconds + (o.rate ? WARMUP_MS / 1000 : 0))),
      latencyMs: load.latencyMs,
      errors: load.errors,
      non2xx: load.non2xx,
      decided,
      published,
      targetP99Ms: 50,
      // The target is the closed loop's: a fixed-rate run does not count.
      meetsTarget: !o.rate && p99 < 50,
      floor,
    };
  } finally {
    if (child) await stop(child);
    let cursor = "0";
    do {
      const [c, keys] = await redis.scan(cursor, "MATCH", `${pipeline.redis.prefix}:*`, "COUNT", 1000);
      cursor = c;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
    redis.disconnect();
    rmSync(file, { force: true });
    const admin = createKafka(cfg, createLogger("error"), "-bench").admin();
    await admin.connect();
    const mine = new Set(Object.values(pipeline.kafka.topics));
    const existing = (await admin.listTopics()).filter((t) => mine.has(t));
    await admin.deleteTopics({ topics: existing }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** This file as a child process: the API server ("api") or the bare floor server ("floor"). */
async function serve(
  mode: "api" | "floor",
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, [CHILD_FLAG]: mode, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^listening (\S+)$/m.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await once(child, "exit");
}

interface Load {
  requests: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
}

/** Each moderator (one autocannon connection) claims, decides, and claims again as soon as answered. */
async function closedLoop(url: string, tokens: string[], moderators: number, seconds: number): Promise<Load> {
  let next = 0;
  type Ctx = { token?: string; claim?: { item: { id: string }; lockToken: string } | null; n?: number };
  const result = await autocannon({
    url,
    connections: moderators,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: "/api/queues/abuse/claim",
        setupRequest: (req, context: Ctx) => {
          context.token ??= tokens[next++ % tokens.length];
          return { ...req, headers: { ...req.headers, authorization: `Bearer ${context.token}` } };
        },
        onResponse: (_status, body, context: Ctx) => {
          context.claim = body ? (JSON.parse(body) as Ctx["claim"]) : null;
        },
      },
      {
        method: "POST",
        setupRequest: (req, context: Ctx) => {
          const c = context.claim;
          const headers = {
            ...req.headers,
            authorization: `Bearer ${context.token}`,
            "content-type": "application/json",
          };
          if (!c) return { ...req, method: "GET", path: "/api/claims", headers };
          context.n = (context.n ?? 0) + 1;
          return {
            ...req,
            path: `/api/items/${encodeURIComponent(c.item.id)}/decision`,
            headers,
            body: JSON.stringify({
              lockToken: c.lockToken,
              decisionId: `${c.item.id}-${context.token?.slice(-6)}-${context.n}`,
              kind: context.n % 2 ? "remove_post" : "dismiss",
              reason: "bench",
            }),
          };
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    requestsPerSec: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * The same moderators at a fixed rate, open loop: claim + decide pairs start on an even schedule
 * (rate / 2 a second, moderator after moderator) whether or not earlier ones were answered, and a
 * claim's latency counts from when it was due, so a slow answer hides no later delay (no
 * coordinated omission). autocannon's own rate limit sends each second's quota in a burst as the
 * second starts, which would measure bursts of 200 instead. The first WARMUP_MS (a cold server,
 * 200 new connections) are sent but not measured: this figure is the steady state.
 */
async function fixedRate(url: string, tokens: string[], rate: number, seconds: number): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: tokens.length });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const call = (due: number, method: string, path: string, token: string, body?: string) =>
    new Promise<string>((resolve, reject) => {
      const headers = { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) };
      const req = request(`${url}${path}`, { method, agent, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          if (due >= measureFrom) latencies.push(performance.now() - due);
          if ((res.statusCode ?? 0) >= 300) non2xx++;
          resolve(text);
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  const pair = async (k: number, due: number) => {
    const token = tokens[k % tokens.length]!;
    const text = await call(due, "POST", "/api/queues/abuse/claim", token);
    const c = JSON.parse(text || "null") as { item: { id: string }; lockToken: string } | null;
    if (!c) return void (await call(performance.now(), "GET", "/api/claims", token));
    const decision = {
      lockToken: c.lockToken,
      decisionId: `${c.item.id}-${token.slice(-6)}-${k}`,
      kind: k % 2 ? "remove_post" : "dismiss",
      reason: "bench",
    };
    await call(
      performance.now(),
      "POST",
      `/api/items/${encodeURIComponent(c.item.id)}/decision`,
      token,
      JSON.stringify(decision),
    );
  };
  const start = performance.now();
  const measureFrom = start + WARMUP_MS;
  const pairs: Promise<void>[] = [];
  for (let k = 0; k < (rate / 2) * (seconds + WARMUP_MS / 1000); k++) {
    const due = start + (k * 2000) / rate;
    if (due - performance.now() > 1) await new Promise((r) => setTimeout(r, due - performance.now()));
    pairs.push(pair(k, due).catch(() => void errors++));
  }
  await Promise.all(pairs);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    requests: latencies.length,
    requestsPerSec: Math.round(latencies.length / seconds),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(latencies.at(-1) ?? 0) },
    errors,
    non2xx,
  };
}

// The child: the API server alone, until SIGTERM.
if (process.env[CHILD_FLAG] === "api") {
  const cfg = loadConfig();
  const api = await startApi(cfg, createLogger("warn", "bench-api"), { port: 0 });
  process.stdout.write(`listening ${api.url}\n`);
  await once(process, "SIGTERM");
  await api.close();
  process.exit(0);
}

// The floor child: fastify with the routes the moderators call, each answering a fixed body the
// size of a real one (a claim of a bench post; a decision's action), and nothing else.
if (process.env[CHILD_FLAG] === "floor") {
  const { default: Fastify } = await import("fastify");
  const app = Fastify({ logger: false });
  const claim = {
    item: { id: "post:bp-1", kind: "post", queue: "abuse", grade: 2, reason: "bench", state: "claimed" },
    lockToken: randomBytes(16).toString("base64url"),
  };
  app.post("/api/queues/:queue/claim", async () => claim);
  app.get("/api/claims", async () => ({ claims: [] }));
  app.post("/api/items/:id/decision", async (req) => ({
    action: { decisionId: "d", action: "dismiss", itemId: (req.params as { id: string }).id, reason: "bench" },
    duplicate: false,
  }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
  await once(process, "SIGTERM");
  await app.close();
  process.exit(0);
}
