// The incidents page in a real Chromium against the real server and Redis: incidents opened through
// IncidentService, listed and filtered (type, grade, state, working group), searched, opened with the
// keyboard, updated live; the detail shows title, summary, sparkline, timeline, statements, decisions and evidence,
// and a lead publishes a statement from it. A key carrying markup is shown as text.
import type { RedisClient } from "../../src/redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentFigures, IncidentType } from "../../src/domain";
import { AuthStore } from "../../src/review/auth";
import { startApi, type RunningApi } from "../../src/http/run";
import type { IncidentJson } from "../../ui/src/api";
import { titleOf } from "../../ui/src/format";
import { cleanRedis, deleteTopics, isolatedConfig, log, redisClient } from "../helpers/env";
import { TEST_API } from "../http/setup";
import { buildUi, ensureSignedIn, openBrowser, signIn, type Browser } from "./browser";

const cfg = isolatedConfig("ui-inc", (p) => ({
  ...p,
  api: { ...TEST_API, rateLimit: { authPerMinute: 100, writesPerMinute: 1000 } },
}));
const HOSTILE_KEY = `<img src=x onerror="window.__xss = 3">`;

// Figures for a large, a middling and a small burst: they grade differently under any sane matrix.
const BIG: IncidentFigures = {
  flagged: 300,
  posts: 400,
  perMinute: 120,
  authors: 120,
  reach: 200_000,
  confidence: 9,
  growth: 4,
};
const MID: IncidentFigures = {
  flagged: 60,
  posts: 80,
  perMinute: 25,
  authors: 30,
  reach: 20_000,
  confidence: 7,
  growth: 4,
};
const SMALL: IncidentFigures = {
  flagged: 12,
  posts: 20,
  perMinute: 5,
  authors: 6,
  reach: 500,
  confidence: 7,
  growth: 1,
};

let running: RunningApi;
let redis: RedisClient;
let browser: Browser;
let token: string;
const ids: Record<string, string> = {};

async function open(name: string, type: IncidentType, kind: string, key: string, figures: IncidentFigures) {
  const r = await running.deps.incidents.open({
    type,
    source: "manual",
    kind,
    key,
    tag: `{${kind}:${key}}`,
    ref: `ui-${name}`,
    figures,
    firstEvidenceAt: Date.now() - 120_000,
    text: `${type} on ${kind} ${key}`,
  });
  ids[name] = r.id;
  return r.id;
}

/** The incident as the API sends it (title and summary once the API has them). */
const incident = async (name: string) => (await running.deps.incidents.get(ids[name]!)) as IncidentJson;

beforeAll(async () => {
  await buildUi();
  running = await startApi(cfg, log, { port: 0 });
  redis = redisClient(cfg);
  token = (await new AuthStore(redis, running.deps.keys, 600).createToken("lead", "lena")).token;
  const s = running.deps.incidents;
  const dam = await open("dam", "rumour", "hashtag", "damburst", BIG);
  await open("coin", "attack", "domain", "free-coin-drop.example", MID);
  await open("pile", "abuse", "mention", "jo_target", SMALL);
  await open("hostile", "rumour", "hashtag", HOSTILE_KEY, SMALL);
  const old = await open("old", "abuse", "hashtag", "yesterday", MID);
  await s.transition(old, "resolved", { actor: "lena", note: "false alarm" });
  // The dam incident's page: evidence, a sparkline, a statement, a recorded action and a decision.
  const now = Date.now();
  await s.store.keepEvidence(
    dam,
    [
      {
        id: "ev-1",
        authorId: "spreader",
        followers: 900,
        text: "The dam has burst, evacuate now! 大坝决堤了，快跑！",
        createdAt: new Date(now - 60_000).toISOString(),
        scores: { rumour: 0.97, abuse: 0.02, attack: 0.01, data_leak: 0 },
      },
    ],
    20,
  );
  await s.store.addSparkline(dam, [
    [Math.floor(now / 1000) - 30, 2],
    [Math.floor(now / 1000) - 20, 9],
    [Math.floor(now / 1000) - 10, 30],
  ]);
  await s.addStatement(dam, "The dam is intact; the photo is from 2019.", "lena");
  await s.recordAction(dam, "removed 40 copies of the photo", "lena");
  const review = running.deps.review;
  await review.enqueueIncident(await s.get(dam));
  const claim = await review.claimNext("rumour", "lena", "lead");
  expect(claim?.item.incidentId).toBe(dam);
  await review.decide({
    itemId: claim!.item.id,
    lockToken: claim!.lockToken,
    moderator: "lena",
    decisionId: "ui-inc-dismiss",
    kind: "dismiss",
    reason: "dam confirmed safe by the water board",
  });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await running?.close();
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("incidents page", () => {
  it("lists open incidents, filters by type, grade, state and group, searches, and opens one by keyboard", async () => {
    const { page } = browser;
    await signIn(page, running.url, token, "lena (lead)");
    await page.keyboard.press("i");
    const rows = page.getByTestId("incident-row");
    const titles = () => page.getByTestId("row-title").allTextContents();

    // Open incidents only: the resolved one is not listed; the most severe comes first.
    const live = ["dam", "coin", "pile", "hostile"];
    const expected = await Promise.all(live.map(async (n) => titleOf(await incident(n))));
    await expect.poll(() => rows.count()).toBe(live.length);
    expect((await titles()).sort()).toEqual([...expected].sort());
    const grades: number[] = await Promise.all(live.map(async (n) => (await incident(n)).grade));
    expect(await rows.first().getAttribute("data-id")).toBe(ids[live[grades.indexOf(Math.min(...grades))]!]);
    // A key carrying markup is its title's text, not an element.
    expect(await titles()).toContain(titleOf(await incident("hostile")));
    expect(await page.locator("[data-testid=incident-list] img").count()).toBe(0);

    // Type.
    await page.getByTestId("filter-type").selectOption("attack");
    await expect.poll(titles).toEqual([titleOf(await incident("coin"))]);
    await page.getByTestId("filter-type").selectOption("");

    // Working group.
    await page.getByTestId("filter-group").selectOption("abuse-desk");
    await expect.poll(titles).toEqual([titleOf(await incident("pile"))]);
    await page.getByTestId("filter-group").selectOption("");

    // Grade, by keyboard as in the queues: the dam incident's grade keeps it and drops the small ones.
    const dam = await incident("dam");
    const small = await incident("pile");
    expect(dam.grade).not.toBe(small.grade);
    await page.keyboard.press(String(dam.grade));
    await expect.poll(() => page.getByTestId("filter-grade").inputValue()).toBe(String(dam.grade));
    await expect.poll(titles).toContain(titleOf(dam));
    expect(await titles()).not.toContain(titleOf(small));
    for (const g of await page.locator("[data-testid=incident-row] [data-testid=grade]").allTextContents())
      expect(g).toBe(["I", "II", "III", "IV"][dam.grade - 1]);
    await page.keyboard.press("0");
    await expect.poll(() => rows.count()).toBe(live.length);

    // State: resolved incidents on request.
    await page.getByTestId("filter-state").selectOption("resolved");
    await expect.poll(titles).toEqual([titleOf(await incident("old"))]);
    await page.getByTestId("filter-state").selectOption("live");
    await expect.poll(() => rows.count()).toBe(live.length);

    // Search by key ("/" focuses the field, Enter leaves it), and by text where the API summarises it.
    await page.keyboard.press("/");
    await page.keyboard.type("FREE-COIN");
    await expect.poll(titles).toEqual([titleOf(await incident("coin"))]);
    await page.keyboard.press("Enter");
    const text = (await incident("dam")).summary?.text;
    await page.getByTestId("incident-search").fill(text ? text.slice(0, 12) : "damburst");
    await expect.poll(titles).toContain(titleOf(dam));
    expect(await titles()).not.toContain(titleOf(await incident("coin")));
    await page.getByTestId("incident-search").fill("");
    await page.getByTestId("incident-search").blur();
    await expect.poll(() => rows.count()).toBe(live.length);

    // Keyboard: j moves down, k back up, Enter opens the selected incident, Esc closes it.
    const first = await rows.first().getAttribute("data-id");
    const second = await rows.nth(1).getAttribute("data-id");
    await page.keyboard.press("j");
    await expect.poll(() => rows.nth(1).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("k");
    await expect.poll(() => rows.first().getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("j");
    // An incident opening now reaches the page live and sorts first: the selection stays put.
    await open("flood", "rumour", "hashtag", "floodwarning", BIG);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(live.length + 1);
    expect(await rows.first().getAttribute("data-id")).toBe(ids.flood);
    expect(await page.locator("[data-testid=incident-row][aria-selected=true]").getAttribute("data-id")).toBe(second);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("incident").getAttribute("data-id")).toBe(second);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("incident").count()).toBe(0);
    expect(first).toBe(ids.dam);
  });

  it("shows an incident's detail, and a lead's statement lands on it", async () => {
    const { page } = browser;
    await ensureSignedIn(page, running.url, token, "lena (lead)");
    const dam = await incident("dam");
    await page.goto(`${running.url}/#/incidents/${dam.id}`, { waitUntil: "domcontentloaded" });
    const detail = page.getByTestId("incident");
    await expect.poll(() => detail.getByTestId("incident-title").textContent()).toBe(titleOf(dam));
    const meta = await detail.getByTestId("incident-meta").textContent();
    expect(meta).toContain(`rumour · hashtag "damburst" · open · rumour-desk`);
    // The summary: the API's when it has one, the grading figures before.
    const summary = (await detail.getByTestId("incident-summary").textContent()) ?? "";
    expect(summary).toContain(dam.summary ? `${dam.summary.accounts} accounts` : "300 flagged posts · 120 accounts");
    expect(await detail.getByTestId("sparkline").getAttribute("data-points")).toBe("3");
    expect(await detail.locator("[data-testid=sparkline] polyline").count()).toBe(1);
    expect(await detail.getByTestId("timeline").textContent()).toContain("opened");
    expect(await detail.getByTestId("statements").textContent()).toContain(
      "lena: The dam is intact; the photo is from 2019.",
    );
    const decisions = page.getByTestId("decisions");
    expect(await decisions.textContent()).toContain("lena: removed 40 copies of the photo");
    await expect.poll(() => decisions.textContent()).toContain("lena: dismiss (dam confirmed safe by the water board)");
    expect(await detail.getByTestId("evidence-text").allTextContents()).toEqual([
      "The dam has burst, evacuate now! 大坝决堤了，快跑！",
    ]);

    await detail.getByTestId("statement-text").fill("Update: engineers inspected the dam this morning.");
    await detail.getByTestId("statement-submit").click();
    await expect
      .poll(() => detail.getByTestId("statements").textContent())
      .toContain("lena: Update: engineers inspected the dam this morning.");
    const timeline = await running.deps.incidents.timeline(dam.id);
    expect(timeline.filter((e) => e.kind === "statement").map((e) => e.text)).toContain(
      "Update: engineers inspected the dam this morning.",
    );
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
  });
});
