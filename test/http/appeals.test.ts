// Appeals over the API against the real Redis: support staff file an author's appeal (201, and
// 200 for the same appeal again), bad ones get clear errors (400 malformed or not the decision's
// author, 404 unknown decision, 409 a second appeal or a reused id), the appeals queue shows with
// its own group, support staff cannot decide, and the appeal's page shows the outcome.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/domain";
import { cleanRedis } from "../helpers/env";
import { decidedPost } from "../review/actions";
import { harness, type Harness } from "./setup";

let h: Harness;
const auth = (role: Role) => ({ authorization: `Bearer ${h.tokens[role]}` });

beforeAll(async () => {
  h = await harness("appeals-api");
  // The decision appealed: a moderator (moderator-1) suspends the author of p1.
  const r = h.deps.review;
  await decidedPost(r, {
    queue: "abuse",
    post: {
      id: "p1",
      authorId: "u1",
      followers: 1,
      text: "you idiot",
      createdAt: new Date().toISOString(),
      scores: { rumour: 0, abuse: 0.99, attack: 0, data_leak: 0 },
      top: [],
    },
    moderator: "moderator-1",
    decisionId: "d1",
    kind: "suspend_author",
    reason: "abuse",
  });
});
afterAll(async () => {
  await h.app.close();
  await cleanRedis(h.redis, h.cfg);
  h.redis.disconnect();
});

const file = (payload: object, role: Role = "support") =>
  h.app.inject({ method: "POST", url: "/api/appeals", headers: auth(role), payload });

describe("appeals API", () => {
  it("files an appeal once; the same appeal again is a 200 with duplicate: true", async () => {
    const body = { id: "ap1", decisionId: "d1", accountId: "u1", reason: "I was quoting <script>x</script>" };
    const first = await file(body);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      duplicate: false,
      item: {
        id: "appeal:ap1",
        kind: "appeal",
        queue: "appeals",
        state: "queued",
        post: { id: "p1", text: "you idiot" },
        appeal: {
          id: "ap1",
          reason: "I was quoting <script>x</script>",
          filedBy: "support-1",
          original: { decisionId: "d1", action: "suspend_author", accountId: "u1", moderator: "moderator-1" },
        },
      },
    });
    const again = await file(body);
    expect([again.statusCode, again.json<{ duplicate: boolean }>().duplicate]).toEqual([200, true]);
    const queues = (await h.app.inject({ url: "/api/queues", headers: auth("moderator") })).json<{
      queues: { queue: string }[];
    }>();
    expect(queues.queues.find((q) => q.queue === "appeals")).toMatchObject({
      group: "appeals-desk",
      waiting: 1,
    });
  });

  it("refuses bad appeals with clear errors", async () => {
    const cases: [object, number, string, RegExp][] = [
      [{ id: "ap2", decisionId: "nope", accountId: "u1", reason: "r" }, 404, "NOT_FOUND", /decision nope not found/],
      [
        { id: "ap3", decisionId: "d1", accountId: "u1", reason: "again" },
        409,
        "CONFLICT",
        /decision d1 is already appealed \(appeal ap1\)/,
      ],
      [
        { id: "ap1", decisionId: "d1", accountId: "u1", reason: "other words" },
        409,
        "CONFLICT",
        /appeal ap1 was already filed with other content/,
      ],
      [
        { id: "ap4", decisionId: "d1", accountId: "u2", reason: "r" },
        400,
        "BAD_REQUEST",
        /account u2 is not the author decision d1 acted on/,
      ],
      [{ id: "ap5", decisionId: "d1", accountId: "u1", reason: "x".repeat(2001) }, 400, "BAD_REQUEST", /reason/],
      [{ id: "ap6", decisionId: "d1", accountId: "u1" }, 400, "BAD_REQUEST", /reason/],
      [
        { id: "ap7", decisionId: "d1", accountId: "u1", reason: "r", extra: 1 },
        400,
        "BAD_REQUEST",
        /additional properties/,
      ],
    ];
    for (const [payload, status, code, message] of cases) {
      const res = await file(payload);
      const body = res.json<{ code: string; message: string }>();
      expect([res.statusCode, body.code], JSON.stringify(payload)).toEqual([status, code]);
      expect(body.message).toMatch(message);
    }
  });

  it("lets support staff file and follow an appeal but not decide it; the outcome shows on the appeal", async () => {
    const claimAsSupport = await h.app.inject({
      method: "POST",
      url: "/api/queues/appeals/claim",
      headers: auth("support"),
    });
    expect(claimAsSupport.statusCode).toBe(403);
    // The moderator who decided d1 gets nothing from the appeals queue; a lead does.
    const own = await h.app.inject({ method: "POST", url: "/api/queues/appeals/claim", headers: auth("moderator") });
    expect(own.json()).toBeNull();
    const c = (await h.app.inject({ method: "POST", url: "/api/queues/appeals/claim", headers: auth("lead") })).json<{
      item: { id: string };
      lockToken: string;
    }>();
    expect(c.item.id).toBe("appeal:ap1");
    const decide = (kind: string) =>
      h.app.inject({
        method: "POST",
        url: "/api/items/appeal:ap1/decision",
        headers: auth("lead"),
        payload: { lockToken: c.lockToken, decisionId: "ov1", kind, reason: "quoting is not abuse" },
      });
    expect((await decide("dismiss")).json()).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/decided by uphold, overturn/),
    });
    const res = await decide("overturn");
    expect(res.statusCode).toBe(200);
    expect(res.json<{ action: object }>().action).toMatchObject({
      action: "reverse",
      reverses: "d1",
      reversesAction: "suspend_author",
    });
    const status = await h.app.inject({ url: "/api/appeals/ap1", headers: auth("support") });
    expect(status.json()).toMatchObject({
      item: { state: "decided" },
      decision: { decisionId: "ov1", action: "reverse", accountId: "u1", moderator: "lead-1" },
    });
    const missing = await h.app.inject({ url: "/api/appeals/none", headers: auth("support") });
    expect(missing.statusCode).toBe(404);
  });
});
