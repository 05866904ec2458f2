// The silences API over the real Redis: leads add and end silences (audited), moderators only read
// them, bad input gets a clear 400, and the openings a silence suppressed are listed with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Silence, SuppressedOpening } from "../../src/domain";
import { cleanRedis } from "../helpers/env";
import { testSpike } from "../helpers/spikes";
import { harness, type Harness } from "./setup";

let h: Harness;
beforeAll(async () => {
  h = await harness("silences-api");
});
afterAll(async () => {
  await h.app.close();
  await cleanRedis(h.redis, h.cfg);
  h.redis.disconnect();
});

const as = (role: "moderator" | "lead" | "admin") => ({ authorization: `Bearer ${h.tokens[role]}` });

describe("silences API", () => {
  it("a lead silences a key; the spike on it is suppressed and listed with the silence; the lead ends it", async () => {
    const add = await h.app.inject({
      method: "POST",
      url: "/api/silences",
      headers: as("lead"),
      payload: { kind: "hashtag", key: "#Election", for: "2h", reason: "official campaign hashtag" },
    });
    expect(add.statusCode).toBe(201);
    const s = add.json<Silence>();
    expect(s).toMatchObject({
      matcher: { kind: "hashtag", key: "election" },
      reason: "official campaign hashtag",
      createdBy: "lead-1",
    });
    expect(s.endsAt - s.createdAt).toBe(7_200_000);

    const list = await h.app.inject({ method: "GET", url: "/api/silences", headers: as("moderator") });
    expect(list.json<{ silences: Silence[] }>().silences.map((x) => x.id)).toEqual([s.id]);

    const r = await h.deps.incidents.applySpike(testSpike("election"), "api-1");
    expect(r.outcome).toBe("silenced");
    const sup = await h.app.inject({ method: "GET", url: "/api/suppressed", headers: as("moderator") });
    expect(sup.json<{ suppressed: SuppressedOpening[] }>().suppressed).toEqual([
      expect.objectContaining({ reason: "silenced", silenceId: s.id, kind: "hashtag", key: "election", ref: "api-1" }),
    ]);

    const end = await h.app.inject({ method: "DELETE", url: `/api/silences/${s.id}`, headers: as("admin") });
    expect(end.statusCode).toBe(200);
    expect(end.json<Silence>()).toMatchObject({ id: s.id, expiredBy: "admin-1" });
    const again = await h.app.inject({ method: "DELETE", url: `/api/silences/${s.id}`, headers: as("lead") });
    expect([again.statusCode, again.json<{ code: string }>().code]).toEqual([400, "BAD_REQUEST"]);
    expect((await h.app.inject({ method: "GET", url: "/api/silences", headers: as("lead") })).json()).toMatchObject({
      silences: [],
    });
    const all = await h.app.inject({ method: "GET", url: "/api/silences?all=true", headers: as("lead") });
    expect(all.json<{ silences: Silence[] }>().silences.map((x) => x.id)).toEqual([s.id]);

    // Both changes are on the audit log, with who, what and why.
    const audit = await h.deps.review.audit.query({});
    const mine = audit.entries.filter((e) => e.kind.startsWith("silence_"));
    expect(mine.map((e) => [e.kind, e.actor])).toEqual([
      ["silence_expire", "admin-1"],
      ["silence_add", "lead-1"],
    ]);
    expect(mine[1]?.what).toContain(`silence ${s.id} on hashtag "election"`);
    expect(mine[1]?.why).toBe("official campaign hashtag");
  });

  it("refuses a moderator, and bad silences with a clear message", async () => {
    const mod = await h.app.inject({
      method: "POST",
      url: "/api/silences",
      headers: as("moderator"),
      payload: { type: "rumour", for: "1h", reason: "r" },
    });
    expect(mod.statusCode).toBe(403);
    const bad: [object, RegExp][] = [
      [{ for: "1h", reason: "r" }, /matches a key/],
      [{ type: "rumour", for: "1h", reason: "   " }, /needs a reason/],
      [{ type: "rumour", for: "45d", reason: "r" }, /30 days/],
      [{ type: "rumour", for: "later", reason: "r" }, /not like 30m/],
      [{ key: "#x", for: "1h", reason: "r" }, /needs its kind/],
      [{ kind: "url", key: "javascript:alert(1)", for: "1h", reason: "r" }, /not a url key/],
      [{ type: "gossip", for: "1h", reason: "r" }, /type/],
      [{ type: "rumour", for: "1h" }, /reason/],
      [{ type: "rumour", for: "1h", reason: "r", extra: 1 }, /additional/],
    ];
    for (const [payload, why] of bad) {
      const res = await h.app.inject({ method: "POST", url: "/api/silences", headers: as("lead"), payload });
      expect([res.statusCode, res.json<{ code: string }>().code], JSON.stringify(payload)).toEqual([
        400,
        "BAD_REQUEST",
      ]);
      expect(res.json<{ message: string }>().message).toMatch(why);
    }
    const missing = await h.app.inject({ method: "DELETE", url: "/api/silences/SIL-0123456789", headers: as("lead") });
    expect(missing.statusCode).toBe(404);
  });
});
