// The review UI in a real Chromium (Debian's, driven by playwright-core) against the real server,
// Redis and Kafka: sign in, claim with the keyboard, decide, find the action on the actions topic;
// a post carrying <script> and <img onerror> is shown as text and runs nothing; Chinese post text
// is drawn as glyphs, not the boxes of a missing font; near-duplicate copies are one item, decided
// at once.
import type { RedisClient } from "../../src/redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthStore } from "../../src/review/auth";
import { startApi, type RunningApi } from "../../src/http/run";
import { clusterBands } from "../../src/windows/minhash";
import { cleanRedis, deleteTopics, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";
import { readTopic } from "../review/actions";
import { TEST_API } from "../http/setup";
import { buildUi, ensureSignedIn, openBrowser, signIn, type Browser } from "./browser";
import { measureGlyphs } from "./glyphs";

const cfg = isolatedConfig("ui", (p) => ({
  ...p,
  api: { ...TEST_API, rateLimit: { authPerMinute: 100, writesPerMinute: 1000 } },
}));
const XSS = `Share before it is deleted! <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`;
/** The rumour of issue 17 that the queue showed three times over. */
const COPY = "抵制重男轻女！抵制给女孩喝可乐！23333333333";

let running: RunningApi;
let redis: RedisClient;
let browser: Browser;
let token: string;

const post = (id: string, authorId: string, text: string) => ({
  id,
  authorId,
  followers: 12,
  text,
  createdAt: new Date().toISOString(),
  scores: { rumour: 0.99, abuse: 0.05, attack: 0.01, data_leak: 0 },
  top: [
    { feature: "share before deleted", weight: 2.4 },
    // A model feature quotes the post: the UI marks it where it stands.
    {
      feature: [...text].slice(0, 2).join(""),
      weight: 1.1,
      span: { start: 0, end: [...text].slice(0, 2).join("").length },
    },
  ],
});

beforeAll(async () => {
  await buildUi();
  running = await startApi(cfg, log, { port: 0 });
  redis = redisClient(cfg);
  token = (await new AuthStore(redis, running.deps.keys, 600).createToken("moderator", "mia")).token;
  await running.deps.review.enqueuePost({
    queue: "rumour",
    reason: "rumour score 0.99",
    post: post("xss-1", "spreader", XSS),
  });
  await running.deps.review.enqueuePost({
    queue: "abuse",
    reason: "abuse score 0.99",
    post: post("zh-1", "u-zh", COPY),
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

describe("review UI", () => {
  it("signs in, claims, decides, and the action reaches Kafka; hostile post text stays text", async () => {
    const { page, context } = browser;
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await signIn(page, running.url, token, "mia (moderator)");
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "ms_session")).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
    });

    // The queue shows the waiting post, verbatim, as text.
    await expect.poll(() => page.getByTestId("count-rumour").textContent()).toBe("1");
    await expect.poll(() => page.getByTestId("post-text").first().textContent()).toBe(XSS);

    // Claim with the keyboard; the item is ours, its words and scores are shown.
    await page.keyboard.press("c");
    await expect.poll(() => page.getByTestId("current-id").textContent()).toBe("post:xss-1");
    const current = page.getByTestId("current");
    expect(await current.getByTestId("post-text").textContent()).toBe(XSS);
    expect(await current.getByTestId("top-words").textContent()).toContain("share before deleted");
    expect(await page.locator("[data-testid=post-text] img, [data-testid=post-text] script").count()).toBe(0);
    await expect.poll(() => page.getByTestId("count-rumour").textContent()).toBe("0");

    // Decide: remove the post, with a reason.
    await current.getByTestId("reason").fill("false claim, urgency bait");
    await current.getByTestId("reason").blur();
    await page.keyboard.press("r");
    await expect.poll(() => page.getByTestId("message").textContent()).toBe("Decided: remove_post");

    const msgs = await readTopic(kafkaClient(cfg), cfg.pipeline.kafka.topics.actions, (n) => n >= 1, 20_000);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({
      key: "post:xss-1",
      value: { action: "remove_post", postId: "xss-1", moderator: "mia", reason: "false claim, urgency bait" },
    });

    // Nothing the post carried ran.
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  });

  // Without a CJK font (a fresh machine before .ci/run installed fonts-noto-cjk, or FONTCONFIG_FILE
  // pointing at a fontconfig without it) every Han character is the same .notdef box, exactly as
  // wide as a character no font has: each check below fails then.
  it("draws Chinese post text as glyphs, not missing-glyph boxes", async () => {
    const { page } = browser;
    await ensureSignedIn(page, running.url, token, "mia (moderator)");
    await page.getByTestId("queue-abuse").click();
    const text = page.getByTestId("items").getByTestId("post-text");
    await expect.poll(() => text.textContent()).toBe(COPY);
    const han = [...new Set([...COPY].filter((c) => /\p{Script=Han}/u.test(c)))].slice(0, 6).join("");
    expect(han).toBe("抵制重男轻女");
    const m = await text.evaluate(measureGlyphs, han);
    expect(m.width, `Han run ${m.width}px vs missing glyphs ${m.missingWidth}px in ${m.font}`).toBeGreaterThan(
      m.missingWidth * 1.2,
    );
    expect(m.distinct).toBe(han.length);
    expect(m.likeMissing).toBe(0);
    // The words that drove the score are marked in the text itself.
    expect(await text.locator("mark").allTextContents()).toEqual([[...COPY].slice(0, 2).join("")]);
  });

  it("shows near-duplicate copies as one item, and one decision removes every copy", async () => {
    const { page } = browser;
    await ensureSignedIn(page, running.url, token, "mia (moderator)");
    const copies = [post("cp-1", "ann", COPY), post("cp-2", "bo", COPY), post("cp-3", "cy", `${COPY}！！`)];
    for (const p of copies) {
      // With its MinHash band keys, as the worker queues a post: copies sharing one are grouped.
      await running.deps.review.enqueuePost({
        post: p,
        queue: "rumour",
        reason: "rumour score 0.99",
        bands: clusterBands(p.text),
      });
    }
    await page.getByTestId("queue-rumour").click();
    await expect.poll(() => page.getByTestId("count-rumour").textContent()).toBe("1");
    const items = page.getByTestId("items").getByTestId("item");
    await expect.poll(() => items.count()).toBe(1);
    expect(await items.getByTestId("group-count").textContent()).toBe("3 copies from 3 accounts");
    expect((await items.getByTestId("group-authors").locator("span").allTextContents()).sort()).toEqual([
      "@ann",
      "@bo",
      "@cy",
    ]);

    await page.keyboard.press("c");
    const current = page.getByTestId("current");
    await expect.poll(() => current.getByTestId("group-count").textContent()).toBe("3 copies from 3 accounts");
    await current.getByTestId("reason").fill("one rumour, three copies");
    await current.getByTestId("reason").blur();
    await page.keyboard.press("r");
    await expect.poll(() => page.getByTestId("message").textContent()).toBe("Decided: remove_post (3 copies)");

    // The first test's action, then one per copy, each once.
    const msgs = await readTopic(kafkaClient(cfg), cfg.pipeline.kafka.topics.actions, (n) => n >= 4, 20_000);
    const removed = msgs.filter((m) => m.value.reason === "one rumour, three copies");
    expect(removed.map((m) => m.value.postId).sort()).toEqual(["cp-1", "cp-2", "cp-3"]);
    expect(removed.every((m) => m.value.action === "remove_post" && m.value.moderator === "mia")).toBe(true);
    await expect.poll(() => page.getByTestId("count-rumour").textContent()).toBe("0");
  });
});
