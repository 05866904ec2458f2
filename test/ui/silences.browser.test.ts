// The silences page in a real Chromium against the real server and Redis: a lead silences a
// hashtag with the form (a bad duration is refused with the server's message), sees it listed
// with its reason as text, sees a silenced and an inhibited opening with what stopped them, and
// ends the silence early; a moderator reads the silences but can neither add nor end one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApi } from "../../src/http/run";
import { AuthStore } from "../../src/review/auth";
import { isolatedConfig } from "../helpers/env";
import { GRAVE_FIGURES, testSpike } from "../helpers/spikes";
import { TEST_API } from "../http/setup";
import { signIn, uiFixture, type Browser, type UiFixture } from "./browser";

const cfg = isolatedConfig("ui-sil", (p) => ({
  ...p,
  api: { ...TEST_API, rateLimit: { authPerMinute: 100, writesPerMinute: 1000 } },
}));
const HOSTILE = `<img src=x onerror="window.__xss = 4"> official campaign tag`;

let ui: UiFixture;
let running: RunningApi;
let browser: Browser;
let lead: string;
let moderator: string;

beforeAll(async () => {
  ui = await uiFixture(cfg);
  ({ running, browser } = ui);
  const auth = new AuthStore(ui.redis, running.deps.keys, 600);
  lead = (await auth.createToken("lead", "lena")).token;
  moderator = (await auth.createToken("moderator", "mo")).token;
});

afterAll(async () => {
  await ui?.close();
});

describe("silences page", () => {
  it("a lead adds a silence, sees what it and an inhibiting incident suppressed, and ends it; a moderator only reads", async () => {
    const { page } = browser;
    await signIn(page, running.url, lead, "lena (lead)");
    await page.keyboard.press("m");
    await expect.poll(() => page.getByTestId("no-silences").count()).toBe(1);

    // A duration past 30 days is refused with the server's reason, and nothing is added.
    await page.getByTestId("silence-key").fill("#Election2026");
    await page.getByTestId("silence-for").fill("45d");
    await page.getByTestId("silence-reason-input").fill(HOSTILE);
    await page.getByTestId("silence-submit").click();
    await expect.poll(() => page.getByTestId("silence-error").textContent()).toContain("30 days");
    expect(await running.deps.silences.list()).toEqual([]);

    await page.getByTestId("silence-for").fill("2h");
    await page.getByTestId("silence-submit").click();
    const rows = page.getByTestId("silence-row");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getByTestId("silence-what").textContent()).toBe('hashtag "election2026"');
    expect(await rows.first().getByTestId("silence-reason").textContent()).toBe(HOSTILE);
    expect(await page.locator("[data-testid=silence-list] img").count()).toBe(0);
    expect(await rows.first().getByTestId("silence-ends").textContent()).toMatch(/^ends in 1h 59m/);
    const [silence] = await running.deps.silences.list();
    expect(silence).toMatchObject({ matcher: { kind: "hashtag", key: "election2026" }, createdBy: "lena" });

    // A second silence, on a type, through the same form.
    await page.getByTestId("silence-kind").selectOption("");
    await page.getByTestId("silence-type").selectOption("attack");
    await page.getByTestId("silence-for").fill("30m");
    await page.getByTestId("silence-reason-input").fill("load test of the attack desk");
    await page.getByTestId("silence-submit").click();
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => page.getByTestId("silence-what").allTextContents()).toContain("every attack incident");

    // A spike on the silenced key, and one inhibited by a grade I/II incident on its key.
    const s = running.deps.incidents;
    expect((await s.applySpike(testSpike("election2026"), "ui-1")).outcome).toBe("silenced");
    const grave = await s.open({
      type: "abuse",
      source: "manual",
      kind: "hashtag",
      key: "riot",
      tag: running.deps.keys.tag("hashtag", "riot"),
      ref: "ui-grave",
      figures: GRAVE_FIGURES,
      firstEvidenceAt: Date.now() - 60_000,
      text: "a pile-on",
    });
    expect((await s.applySpike(testSpike("riot"), "ui-2")).outcome).toBe("inhibited");
    await page.keyboard.press("q");
    await page.keyboard.press("m");
    const suppressed = page.getByTestId("suppressed-row");
    await expect.poll(() => suppressed.count()).toBe(2);
    const silenced = page.locator("[data-testid=suppressed-row][data-reason=silenced]");
    expect(await silenced.textContent()).toContain('rumour · hashtag "election2026"');
    expect(await silenced.getByTestId("suppressed-by").textContent()).toBe(
      `by ${silence!.id} (hashtag "election2026": ${HOSTILE})`,
    );
    const inhibited = page.locator("[data-testid=suppressed-row][data-reason=inhibited]");
    expect(await inhibited.getByTestId("suppressed-by").textContent()).toBe(`by incident ${grave.id}`);
    expect(await inhibited.locator("a").getAttribute("href")).toBe(`#/incidents/${grave.id}`);

    // Ended early: gone from the page and the API, audited.
    await page.locator(`[data-testid=silence-row][data-id="${silence!.id}"] [data-testid=silence-expire]`).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect((await running.deps.silences.list()).map((x) => x.id)).not.toContain(silence!.id);
    const audit = await running.deps.review.audit.query({ actor: "lena" });
    expect(audit.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(["silence_add", "silence_expire"]));
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

    // A moderator sees the remaining silence, with no form and no expire button.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByTestId("token").count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId("token").fill(moderator);
    await page.getByTestId("login").click();
    await expect.poll(() => page.getByTestId("me").textContent(), { timeout: 10_000 }).toBe("mo (moderator)");
    await page.keyboard.press("m");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getByTestId("silence-what").textContent()).toBe("every attack incident");
    expect(await page.getByTestId("silence-form").count()).toBe(0);
    expect(await page.getByTestId("silence-expire").count()).toBe(0);
  });
});
