// The worker's health model without services: probes and step events decide each check, the
// endpoint answers 200 or 503 with JSON, and a dependency down long enough is reported as a
// fault once and cleared after it has been healthy for a while.
import { describe, expect, it } from "vitest";
import { Events } from "../../src/events";
import { reportFaults, serveHealth, WorkerHealth, type Check } from "../../src/worker/health";
import { eventually, log } from "../helpers/env";

function fixture() {
  let now = 1_000_000;
  const up = { redis: true, kafka: true };
  const events = new Events();
  const health = new WorkerHealth({
    events,
    redis: async () => {
      if (!up.redis) throw new Error("Redis connection reconnecting");
    },
    kafka: async () => {
      if (!up.kafka) throw new Error("connect ECONNREFUSED");
    },
    timeoutMs: 200,
    now: () => now,
  });
  return { health, events, up, advance: (ms: number) => (now += ms), now: () => now };
}

describe("worker health", () => {
  it("is degraded while a probe fails or steps fail, naming the check and since when", async () => {
    const f = fixture();
    await f.health.probe();
    expect(f.health.report()).toMatchObject({ status: "up", failing: [] });

    f.up.redis = false;
    const since = f.advance(1000);
    await f.health.probe();
    f.advance(1000);
    await f.health.probe();
    const r = f.health.report();
    expect(r.status).toBe("degraded");
    expect(r.failing).toEqual(["redis"]);
    expect(r.checks.redis).toEqual({
      ok: false,
      since: new Date(since).toISOString(),
      error: "Redis connection reconnecting",
      failures: 2,
    });

    f.events.emit("stepError", { stage: "step", error: new Error("NOSCRIPT") });
    f.events.emit("stepError", { stage: "detect", error: new Error("not a step") });
    expect(f.health.report().failing).toEqual(["redis", "steps"]);
    f.events.emit("batch", { topic: "t", partition: 0, messages: 1, valid: 1, deadLettered: 0, ms: 1 });
    f.up.redis = true;
    await f.health.probe();
    expect(f.health.report()).toMatchObject({ status: "up", failing: [] });
    await f.health.close();
  });

  it("counts a probe that does not answer as failing", async () => {
    const events = new Events();
    const health = new WorkerHealth({
      events,
      redis: () => new Promise(() => undefined),
      kafka: async () => undefined,
      timeoutMs: 50,
    });
    await health.probe();
    expect(health.report().checks.redis).toMatchObject({ ok: false, error: "no answer within 50 ms" });
    await health.close();
  });

  it("serves GET /healthz: 200 when up, 503 with the failing checks when degraded", async () => {
    const f = fixture();
    const server = await serveHealth(f.health, "127.0.0.1", 0, log);
    const get = async (path = "/healthz") => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: res.status, body: await res.text() };
    };
    try {
      expect((await get()).status).toBe(200);
      f.up.kafka = false;
      await f.health.probe();
      const degraded = await get();
      expect(degraded.status).toBe(503);
      expect(JSON.parse(degraded.body)).toMatchObject({ status: "degraded", failing: ["kafka"] });
      expect((await get("/metrics")).status).toBe(404);
    } finally {
      await server.close();
      await f.health.close();
    }
  });

  it("reports a dependency down long enough as a fault, and clears it once healthy for a while", async () => {
    const f = fixture();
    const reported: string[] = [];
    const cleared: string[] = [];
    const faults = reportFaults({
      health: f.health,
      checks: ["kafka"],
      afterMs: 5000,
      healthyMs: 30_000,
      report: async (check: Check, down: number) => reported.push(`${check} ${down}s`),
      clear: async (check: Check) => cleared.push(check),
      log,
      intervalMs: 10,
      now: f.now,
    });
    // Two completed ticks after a change: the second one started after it, so it saw the change.
    const tick = async () => {
      const seen = faults.ticks;
      await eventually(
        "two fault-reporter ticks",
        async () => faults.ticks,
        (n) => n >= seen + 2,
        5000,
      );
    };
    try {
      f.up.kafka = false;
      f.up.redis = false;
      await f.health.probe();
      await tick();
      expect(reported).toEqual([]); // not yet down for 5 s
      f.advance(6000);
      await tick();
      expect(reported.length).toBeGreaterThan(0);
      expect(reported.every((r) => r === "kafka 6s")).toBe(true); // Redis is not this reporter's
      f.up.kafka = true;
      await f.health.probe();
      await tick();
      expect(cleared).toEqual([]); // healthy, but not for 30 s yet
      f.advance(31_000);
      await tick();
      expect(cleared).toEqual(["kafka"]);
    } finally {
      await faults.close();
      await f.health.close();
    }
  });
});
