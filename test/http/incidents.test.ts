// The incidents list and detail as the UI reads them: every incident has a title (never a band
// hash) and a summary, and the list filters by type, grade, state, working group, search and live.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanRedis } from "../helpers/env";
import { harness, type Harness } from "./setup";

let h: Harness;
const auth = () => ({ authorization: `Bearer ${h.tokens.moderator}` });

beforeAll(async () => {
  h = await harness("incidents-api");
});
afterAll(async () => {
  await h.app.close();
  await cleanRedis(h.redis, h.cfg);
  h.redis.disconnect();
});

const open = (type: "rumour" | "attack", kind: string, key: string, text: string) =>
  h.deps.incidents.open({
    type,
    source: "spike",
    kind,
    key,
    tag: `{${kind}:${key}}`,
    ref: `api-${key}`,
    figures: { flagged: 40, posts: 50, perMinute: 80, authors: 30, reach: 10_000, confidence: 9, growth: 4 },
    firstEvidenceAt: Date.now() - 60_000,
    text,
  });

describe("GET /api/incidents", () => {
  it("gives title and summary, and filters by type, grade, group, state, q and live", async () => {
    const a = await open("rumour", "hashtag", "dam", "dam rumour");
    const b = await open("attack", "cluster", "0:fd3118a4", "flood");
    const list = async (qs: string) => {
      const res = await h.app.inject({ method: "GET", url: `/api/incidents${qs}`, headers: auth() });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ incidents: { id: string; title: string; summary: Record<string, number> }[] }>().incidents;
    };
    const all = await list("");
    const ia = all.find((i) => i.id === a.id)!;
    const ib = all.find((i) => i.id === b.id)!;
    expect(ia.title).toBe("Rumour on #dam");
    expect(ib.title).not.toMatch(/fd3118a4/);
    expect(ia.summary).toMatchObject({ accounts: 30, reach: 10_000, ratePerMin: 80 });
    expect(typeof ia.summary.firstSeen).toBe("number");
    expect((await list("?type=attack")).map((i) => i.id)).toEqual([b.id]);
    expect((await list("?q=DAM")).map((i) => i.id)).toEqual([a.id]);
    expect((await list("?group=rumour-desk")).map((i) => i.id)).toEqual([a.id]);
    const grade = (await h.deps.incidents.get(a.id)).grade;
    expect((await list(`?grade=${grade}&type=rumour`)).map((i) => i.id)).toEqual([a.id]);
    expect(await list(`?grade=${grade === 1 ? 2 : 1}&type=rumour`)).toEqual([]);
    expect((await list("?state=open&live=true")).length).toBe(2);
    const bad = await h.app.inject({ method: "GET", url: "/api/incidents?grade=5", headers: auth() });
    expect(bad.statusCode).toBe(400);
    const page = await h.app.inject({ method: "GET", url: `/api/incidents/${a.id}`, headers: auth() });
    expect(page.json<{ incident: { title: string } }>().incident.title).toBe("Rumour on #dam");
  });
});
