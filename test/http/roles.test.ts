// The role matrix: every route × (anonymous, support, moderator, lead, admin). Anonymous callers of a
// protected route get 401, too-low roles 403, and allowed roles anything but 401/403.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/domain";
import { cleanRedis } from "../helpers/env";
import { harness, type Harness } from "./setup";

let h: Harness;
beforeAll(async () => {
  h = await harness("roles");
});
afterAll(async () => {
  await h.app.close();
  await cleanRedis(h.redis, h.cfg);
  h.redis.disconnect();
});

type Need = Role | "public";
const RANK: Record<Need, number> = { public: 0, support: 1, moderator: 2, lead: 3, admin: 4 };
const CALLERS = ["anonymous", "support", "moderator", "lead", "admin"] as const;

/** One concrete request per route; the SSE stream is covered by api.test.ts for allowed roles. */
const MATRIX: { method: "GET" | "POST" | "DELETE"; url: string; route: string; need: Need; body?: object }[] = [
  { method: "GET", url: "/healthz", route: "/healthz", need: "public" },
  { method: "GET", url: "/readyz", route: "/readyz", need: "public" },
  {
    method: "POST",
    url: "/api/auth/login",
    route: "/api/auth/login",
    need: "public",
    body: { token: "(a valid token)" },
  },
  { method: "POST", url: "/api/auth/logout", route: "/api/auth/logout", need: "moderator" },
  { method: "GET", url: "/api/auth/me", route: "/api/auth/me", need: "moderator" },
  { method: "GET", url: "/api/queues", route: "/api/queues", need: "moderator" },
  { method: "GET", url: "/api/queues/rumour/items", route: "/api/queues/:queue/items", need: "moderator" },
  { method: "POST", url: "/api/queues/rumour/claim", route: "/api/queues/:queue/claim", need: "moderator" },
  { method: "GET", url: "/api/claims", route: "/api/claims", need: "moderator" },
  { method: "GET", url: "/api/items/post:x", route: "/api/items/:id", need: "moderator" },
  {
    method: "POST",
    url: "/api/items/post:x/renew",
    route: "/api/items/:id/renew",
    need: "moderator",
    body: { lockToken: "t" },
  },
  {
    method: "POST",
    url: "/api/items/post:x/release",
    route: "/api/items/:id/release",
    need: "moderator",
    body: { lockToken: "t" },
  },
  {
    method: "POST",
    url: "/api/items/post:x/decision",
    route: "/api/items/:id/decision",
    need: "moderator",
    body: { lockToken: "t", decisionId: "d", kind: "dismiss", reason: "" },
  },
  {
    method: "POST",
    url: "/api/items/post:x/reassign",
    route: "/api/items/:id/reassign",
    need: "lead",
    body: { to: "m" },
  },
  { method: "GET", url: "/api/events", route: "/api/events", need: "moderator" },
  { method: "GET", url: "/api/incidents", route: "/api/incidents", need: "moderator" },
  { method: "GET", url: "/api/incidents/INC-x", route: "/api/incidents/:id", need: "moderator" },
  {
    method: "POST",
    url: "/api/incidents/INC-x/statements",
    route: "/api/incidents/:id/statements",
    need: "lead",
    body: { text: "t" },
  },
  { method: "GET", url: "/api/audit", route: "/api/audit", need: "lead" },
  { method: "GET", url: "/api/silences", route: "/api/silences", need: "moderator" },
  {
    method: "POST",
    url: "/api/silences",
    route: "/api/silences",
    need: "lead",
    body: { type: "rumour", for: "1m", reason: "role matrix" },
  },
  { method: "DELETE", url: "/api/silences/SIL-0000000000", route: "/api/silences/:id", need: "lead" },
  { method: "GET", url: "/api/suppressed", route: "/api/suppressed", need: "moderator" },
  { method: "GET", url: "/api/tokens", route: "/api/tokens", need: "admin" },
  {
    method: "POST",
    url: "/api/tokens",
    route: "/api/tokens",
    need: "admin",
    body: { role: "moderator", name: "new-mod" },
  },
  { method: "DELETE", url: "/api/tokens/000000000000", route: "/api/tokens/:tokenId", need: "admin" },
  {
    method: "POST",
    url: "/api/appeals",
    route: "/api/appeals",
    need: "support",
    body: { id: "a", decisionId: "no-such-decision", accountId: "u", reason: "r" },
  },
  { method: "GET", url: "/api/appeals/a", route: "/api/appeals/:id", need: "support" },
];

describe("role matrix", () => {
  it("covers every route the server declares, with the role it declares", () => {
    const declared = h.app.routeRoles
      .filter(
        (r) =>
          (!r.url.startsWith("/docs") && r.role !== "public") ||
          ["/healthz", "/readyz", "/api/auth/login"].includes(r.url),
      )
      .map((r) => `${r.method} ${r.url} ${r.role}`)
      .sort();
    const covered = MATRIX.map((m) => `${m.method} ${m.route} ${m.need}`).sort();
    expect(covered).toEqual(declared);
  });

  for (const row of MATRIX)
    for (const caller of CALLERS)
      it(`${row.method} ${row.route} as ${caller}`, async () => {
        const allowed = row.need === "public" || (caller !== "anonymous" && RANK[caller] >= RANK[row.need]);
        // Allowed SSE requests stream forever: api.test.ts reads them over a real socket.
        if (allowed && row.route === "/api/events") return;
        const res = await h.app.inject({
          method: row.method,
          url: row.url,
          headers: caller === "anonymous" ? {} : { authorization: `Bearer ${h.tokens[caller]}` },
          ...(row.body ? { payload: row.url === "/api/auth/login" ? { token: h.tokens.moderator } : row.body } : {}),
        });
        const body: { code?: string } = res.body ? res.json() : {};
        if (allowed) expect([401, 403]).not.toContain(res.statusCode);
        else if (caller === "anonymous") expect([res.statusCode, body.code]).toEqual([401, "UNAUTHORIZED"]);
        else expect([res.statusCode, body.code]).toEqual([403, "FORBIDDEN"]);
        expect(res.statusCode).toBeLessThan(500);
      });
});
