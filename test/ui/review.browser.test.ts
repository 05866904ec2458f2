// The review UI in a real Chromium (Debian's, driven by playwright-core) against the real server,
// Redis and Kafka: sign in, claim with the keyboard, decide, find the action on the actions topic;
// a post carrying <script> and <img onerror> is shown as text and runs nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { Redis } from "ioredis";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/config";
import { AuthStore } from "../../src/review/auth";
import { startApi, type RunningApi } from "../../src/http/run";
import { cleanRedis, deleteTopics, isolatedConfig, kafkaClient, log, redisClient } from "../helpers/env";
import { readTopic } from "../review/actions";
import { TEST_API } from "../http/setup";

const cfg = isolatedConfig("ui", (p) => ({
  ...p,
  api: { ...TEST_API, rateLimit: { authPerMinute: 100, writesPerMinute: 1000 } },
}));
const XSS = `Share before it is deleted! <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`;

let running: RunningApi;
let redis: Redis;
let context: BrowserContext;
let page: Page;
let token: string;
const profile = mkdtempSync(join(tmpdir(), "modstream-chromium-"));

beforeAll(async () => {
  await build({ configFile: join(REPO_ROOT, "ui/vite.config.ts"), logLevel: "warn" });
  running = await startApi(cfg, log, { port: 0 });
  redis = redisClient(cfg);
  token = (await new AuthStore(redis, running.deps.keys, 600).createToken("moderator", "mia")).token;
  await running.deps.review.enqueuePost({
    queue: "rumour",
    reason: "rumour score 0.99",
    post: {
      id: "xss-1",
      authorId: "spreader",
      followers: 12,
      text: XSS,
      createdAt: new Date().toISOString(),
      scores: { rumour: 0.99, abuse: 0.05, attack: 0.01, data_leak: 0 },
      top: [{ feature: "share before deleted", weight: 2.4 }],
    },
  });
  // A fresh profile per run: launchPersistentContext is playwright's way to pass --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await running?.close();
  rmSync(profile, { recursive: true, force: true });
  await cleanRedis(redis, cfg);
  redis.disconnect();
  await deleteTopics(cfg);
});

describe("review UI", () => {
  it("signs in, claims, decides, and the action reaches Kafka; hostile post text stays text", async () => {
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(running.url, { waitUntil: "domcontentloaded" });
    await page.getByTestId("token").fill(token);
    await page.getByTestId("login").click();
    await expect.poll(() => page.getByTestId("me").textContent(), { timeout: 10_000 }).toBe("mia (moderator)");
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
});
