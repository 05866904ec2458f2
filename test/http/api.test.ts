// The API over the real Redis: the claim → decide flow, error bodies, validation, pagination,
// sessions and cookies, rate limits, security headers, OpenAPI, health, and live events over a
// real socket.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReviewPost } from "../../src/domain";
import { buildServer } from "../../src/http/server";
import { cleanRedis } from "../helpers/env";
import { harness, type Harness } from "./setup";

let h: Harness;
const auth = (role: "moderator" | "lead" | "admin") => ({ authorization: `Bearer ${h.tokens[role]}` });
const post = (id: string, text = `text ${id}`): ReviewPost => ({
  id,
  authorId: `author-${id}`,
  followers: 1,
  text,
  createdAt: new Date().toISOString(),
  scores: { rumour: 0.1, abuse: 0.99, attack: 0, data_leak: 0 },
  top: [{ feature: "idiot", weight: 3 }],
});

beforeAll(async () => {
  h = await harness("api", { rateLimit: { authPerMinute: 5, writesPerMinute: 100_000 } });
});
afterAll(async () => {
  await h.app.close();
  await cleanRedis(h.redis, h.cfg);
  h.redis.disconnect();
});

describe("review API", () => {
  it("claims, refuses a stranger's decision, decides once per decision id", async () => {
    await h.deps.review.enqueuePost({ post: post("a1"), queue: "abuse", reason: "abuse score 0.99" });
    const claim = await h.app.inject({ method: "POST", url: "/api/queues/abuse/claim", headers: auth("moderator") });
    expect(claim.statusCode).toBe(200);
    const { item, lockToken } = claim.json<{ item: { id: string; holder: string }; lockToken: string }>();
    expect(item).toMatchObject({ id: "post:a1", holder: "moderator-1" });
    // The claim is JSON text made from the stored item: it says what the serialised item says.
    expect(claim.headers["content-type"]).toBe("application/json; charset=utf-8");
    const stored = await h.app.inject({ method: "GET", url: `/api/items/${item.id}`, headers: auth("moderator") });
    expect(item).toEqual(stored.json());
    const url = `/api/items/${item.id}/decision`;
    const body = { lockToken, decisionId: "api-d1", kind: "remove_post", reason: "insults" };
    const stranger = await h.app.inject({
      method: "POST",
      url,
      headers: auth("lead"),
      payload: { ...body, lockToken: "guess" },
    });
    expect(stranger.statusCode).toBe(409);
    expect(stranger.json()).toMatchObject({ code: "LOCK_NOT_HELD", statusCode: 409 });
    const first = await h.app.inject({ method: "POST", url, headers: auth("moderator"), payload: body });
    expect(first.json()).toMatchObject({
      duplicate: false,
      action: { action: "remove_post", postId: "a1", moderator: "moderator-1" },
    });
    const again = await h.app.inject({ method: "POST", url, headers: auth("moderator"), payload: body });
    expect(again.json()).toMatchObject({ duplicate: true });
    const empty = await h.app.inject({ method: "POST", url: "/api/queues/abuse/claim", headers: auth("moderator") });
    expect(empty.json()).toBeNull();
    const audit = await h.app.inject({ method: "GET", url: "/api/audit?moderator=moderator-1", headers: auth("lead") });
    expect(audit.json<{ entries: { kind: string }[] }>().entries.map((e) => e.kind)).toEqual(["decide", "claim"]);
  });

  it("answers bad input, unknown routes and unexpected failures with one error body", async () => {
    const bad = await h.app.inject({
      method: "POST",
      url: "/api/items/x/decision",
      headers: auth("moderator"),
      payload: { lockToken: "t", decisionId: "d", kind: "nuke", reason: "" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "BAD_REQUEST", statusCode: 400 });
    const badQueue = await h.app.inject({ method: "GET", url: "/api/queues/cats/items", headers: auth("moderator") });
    expect(badQueue.json()).toMatchObject({ code: "BAD_REQUEST" });
    const missing = await h.app.inject({ method: "GET", url: "/api/nothing", headers: auth("moderator") });
    expect(missing.json()).toEqual({ code: "NOT_FOUND", message: "GET /api/nothing not found", statusCode: 404 });
    const broken = await buildServer({
      ...h.deps,
      logger: false,
      review: Object.assign(Object.create(h.deps.review) as typeof h.deps.review, {
        counts: () => Promise.reject(new Error("redis password is hunter2")),
      }),
    });
    const r = await broken.inject({ method: "GET", url: "/api/queues", headers: auth("moderator") });
    await broken.close();
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ code: "INTERNAL", message: "internal error", statusCode: 500 });
  });

  it("pages a queue in priority order", async () => {
    for (let i = 0; i < 5; i++)
      await h.deps.review.enqueuePost({ post: post(`pg${i}`), queue: "attack", reason: "r", grade: i === 3 ? 1 : 3 });
    const p1 = await h.app.inject({
      method: "GET",
      url: "/api/queues/attack/items?limit=2",
      headers: auth("moderator"),
    });
    const j1 = p1.json<{ items: { id: string }[]; total: number; nextOffset: number }>();
    expect(j1.total).toBe(5);
    expect(j1.items.map((i) => i.id)).toEqual(["post:pg3", "post:pg0"]);
    const p3 = await h.app.inject({
      method: "GET",
      url: `/api/queues/attack/items?limit=2&offset=4`,
      headers: auth("moderator"),
    });
    expect(p3.json()).not.toHaveProperty("nextOffset");
    const counts = await h.app.inject({ method: "GET", url: "/api/queues", headers: auth("moderator") });
    expect(
      counts
        .json<{ queues: { queue: string; waiting: number; group: string }[] }>()
        .queues.find((q) => q.queue === "attack"),
    ).toMatchObject({
      waiting: 5,
      group: "attack-desk",
    });
  });

  it("logs in with a token into a Secure, HttpOnly, SameSite=Strict session, and out", async () => {
    const res = await h.app.inject({ method: "POST", url: "/api/auth/login", payload: { token: h.tokens.lead } });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).toMatch(/ms_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const sid = /ms_session=([^;]+)/.exec(cookie)![1]!;
    const me = await h.app.inject({ method: "GET", url: "/api/auth/me", cookies: { ms_session: sid } });
    expect(me.json()).toMatchObject({ name: "lead-1", role: "lead" });
    expect(await h.redis.keys(`${h.cfg.pipeline.redis.prefix}:*${sid}*`)).toEqual([]); // stored hashed
    await h.app.inject({ method: "POST", url: "/api/auth/logout", cookies: { ms_session: sid } });
    const after = await h.app.inject({ method: "GET", url: "/api/auth/me", cookies: { ms_session: sid } });
    expect(after.statusCode).toBe(401);
    const logins = await h.app.inject({ method: "GET", url: "/api/audit?moderator=lead-1", headers: auth("lead") });
    expect(logins.json<{ entries: { kind: string }[] }>().entries.map((e) => e.kind)).toContain("login");
  });

  it("a revoked token stops working at once on the server that revoked it, though it was just verified", async () => {
    const created = await h.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: auth("admin"),
      payload: { role: "moderator", name: "short-lived" },
    });
    const { token, info } = created.json<{ token: string; info: { tokenId: string } }>();
    const me = () =>
      h.app.inject({ method: "GET", url: "/api/auth/me", headers: { authorization: `Bearer ${token}` } });
    expect((await me()).json()).toMatchObject({ name: "short-lived" });
    const revoked = await h.app.inject({
      method: "DELETE",
      url: `/api/tokens/${info.tokenId}`,
      headers: auth("admin"),
    });
    expect(revoked.statusCode).toBe(200);
    expect((await me()).statusCode).toBe(401);
  });

  it("logs each request only at debug level", async () => {
    const lines = async (level: string) => {
      const out: string[] = [];
      const logger = pino({ level }, { write: (l: string) => void out.push(l) });
      const app = await buildServer({ ...h.deps, logger });
      await app.inject({ method: "GET", url: "/healthz" });
      await app.inject({ method: "GET", url: "/api/queues" });
      await app.close();
      return out.map((l) => (JSON.parse(l) as { msg: string }).msg);
    };
    expect(await lines("info")).toEqual([]);
    expect(await lines("debug")).toEqual(expect.arrayContaining(["incoming request", "request completed"]));
  });

  it("rate-limits logins", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++)
      codes.push(
        (
          await h.app.inject({
            method: "POST",
            url: "/api/auth/login",
            payload: { token: "wrong" },
            remoteAddress: "10.0.0.9",
          })
        ).statusCode,
      );
    expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    const last = await h.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { token: "wrong" },
      remoteAddress: "10.0.0.9",
    });
    expect(last.json()).toMatchObject({ code: "RATE_LIMITED", statusCode: 429 });
  });

  it("sends security headers, no CORS for unknown origins, OpenAPI at /docs, health", async () => {
    const res = await h.app.inject({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(res.json()).toEqual({ ok: true });
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    const ready = await h.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.json()).toMatchObject({ ok: true, checks: { redis: true } });
    const doc = await h.app.inject({ method: "GET", url: "/docs/json" });
    const paths = Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths);
    for (const r of h.app.routeRoles.filter((x) => !x.url.startsWith("/docs") && x.method !== "OPTIONS"))
      expect(paths).toContain(r.url.replace(/:(\w+)/g, "{$1}"));
    const ui = await h.app.inject({ method: "GET", url: "/docs" });
    expect(ui.statusCode).toBeLessThan(400);
  });

  it("shows an incident page and records a lead's statement on the timeline and audit log", async () => {
    const { id } = await h.deps.incidents.open({
      type: "rumour",
      source: "manual",
      kind: "hashtag",
      key: "dam",
      tag: "{hashtag:dam}",
      ref: "api-test",
      figures: { flagged: 40, posts: 50, perMinute: 80, authors: 30, reach: 10_000, confidence: 9, growth: 4 },
      firstEvidenceAt: Date.now() - 60_000,
      text: "dam rumour",
    });
    const st = await h.app.inject({
      method: "POST",
      url: `/api/incidents/${id}/statements`,
      headers: auth("lead"),
      payload: { text: "The dam is fine." },
    });
    expect(st.statusCode).toBe(201);
    const page = await h.app.inject({ method: "GET", url: `/api/incidents/${id}`, headers: auth("moderator") });
    const j = page.json<{ incident: { grade: number }; timeline: { kind: string }[]; respondBy: number }>();
    expect(j.timeline.map((e) => e.kind)).toEqual(["opened", "statement"]);
    expect(j.respondBy).toBeGreaterThan(Date.now());
    await expect
      .poll(async () => (await h.deps.review.audit.query({ incidentId: id })).entries.map((e) => e.kind))
      .toContain("statement");
  });

  it("streams queue changes as server-sent events over a real socket", async () => {
    const url = await h.app.listen({ host: "127.0.0.1", port: 0 });
    const ac = new AbortController();
    const res = await fetch(`${url}/api/events`, { headers: auth("moderator"), signal: ac.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    // A hijacked reply still carries the security headers every answer has.
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const reader = res.body!.getReader();
    let text = "";
    const read = async (until: string) => {
      const deadline = Date.now() + 5000;
      while (!text.includes(until) && Date.now() < deadline)
        text += new TextDecoder().decode((await reader.read()).value as Uint8Array | undefined);
    };
    await read("event: hello");
    await h.deps.review.enqueuePost({ post: post("sse1"), queue: "data_leak", reason: "r" });
    // Earlier tests' changes may arrive first (they are published up to 100 ms late).
    await read(`"queue":"data_leak"`);
    expect(text).toMatch(/event: change\ndata: \{"kind":"enqueue","queue":"data_leak"\}/);
    ac.abort();
  });
});
