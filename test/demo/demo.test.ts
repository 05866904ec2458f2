// The README's first command, as a user runs it: `modstream demo` brings up (here: finds) the
// services, starts the worker and the review UI, prints the URL and a sign-in token, replays a
// firehose with drills in it, and soon shows graded incidents in the review API and
// spikes in the metrics; Ctrl-C (SIGINT) stops it cleanly.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { cleanRedis, deleteTopics, eventually, isolatedConfig, pipelineFile, redisClient } from "../helpers/env";

const cfg = isolatedConfig("demo");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let demo: ChildProcess | undefined;

afterAll(async () => {
  if (demo && demo.exitCode === null) demo.kill("SIGKILL");
  const redis = redisClient(cfg);
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("modstream demo", () => {
  it("serves graded incidents in the review API and spikes in the metrics within a minute, and stops on Ctrl-C", async () => {
    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    demo = spawn(process.execPath, ["bin/modstream.js", "demo", "--every", "10", "--port", String(apiPort)], {
      env: {
        ...process.env,
        MODSTREAM_PIPELINE: pipelineFile(cfg),
        MODSTREAM_METRICS_PORT: String(metricsPort),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let said = "";
    demo.stderr?.on("data", (d: Buffer) => (said += d.toString()));

    const signIn = await eventually(
      "the demo prints the UI's URL and a sign-in token",
      async () => /review UI: (http:\/\/\S+)\s+\(sign in with this lead token: (\S+)\)/.exec(said),
      (m) => m !== null,
      60_000,
    );
    const [, url, token] = signIn ?? [];
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    // The UI itself is served at the printed URL.
    expect((await fetch(`${url}/`)).headers.get("content-type")).toMatch(/text\/html/);

    type Incident = { id: string; type: string; grade: number };
    const incidents = await eventually(
      "a graded incident in the review API",
      async () => (await get("/api/incidents")).incidents as Incident[],
      (list) => list.some((i) => i.grade >= 1 && i.grade <= 4),
      60_000,
    );
    expect(incidents[0]?.id).toMatch(/^INC-/);

    type Queue = { queue: string; waiting: number };
    await eventually(
      "incidents wait in the review queues",
      async () => (await get("/api/queues")).queues as Queue[],
      (qs) => qs.some((q) => q.waiting > 0),
      30_000,
    );

    const spikes = await eventually(
      "spikes in the metrics",
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return [...text.matchAll(/^modstream_spikes_detected_total\{[^}]*\} (\d+)/gm)].reduce(
          (s, m) => s + Number(m[1]),
          0,
        );
      },
      (n) => n > 0,
      30_000,
    );
    expect(spikes).toBeGreaterThan(0);

    const exited = new Promise<number | null>((resolve) => demo?.once("exit", (code) => resolve(code)));
    demo.kill("SIGINT");
    // A demo that hangs on Ctrl-C fails the test at its timeout.
    expect(await exited).toBe(0);
    expect(said).toContain("demo stopped");
  }, 180_000);
});
