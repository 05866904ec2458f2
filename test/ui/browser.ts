// The UI tests' browser: Debian's Chromium driven by playwright-core, a fresh profile per run, the
// UI built once per file, and signing in as a moderator does. Fonts come from the machine's
// fontconfig (FONTCONFIG_FILE is passed through), so a test can see what a moderator would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";
import { expect } from "vitest";
import { REPO_ROOT, type Config } from "../../src/config";
import { startApi, type RunningApi } from "../../src/http/run";
import type { RedisClient } from "../../src/redis/client";
import { cleanRedis, deleteTopics, log, redisClient } from "../helpers/env";

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export function buildUi(): Promise<unknown> {
  return build({ configFile: join(REPO_ROOT, "ui/vite.config.ts"), logLevel: "warn" });
}

export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "modstream-chromium-"));
  // launchPersistentContext is playwright's way to pass --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
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
    viewport: { width: 1400, height: 900 },
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, url: string, token: string, who: string): Promise<void> {
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.getByTestId("token").fill(token);
  await page.getByTestId("login").click();
  await expect.poll(() => page.getByTestId("me").textContent(), { timeout: 10_000 }).toBe(who);
}

/** Signs in unless this browser already holds a session (tests of one file share a browser). */
export async function ensureSignedIn(page: Page, url: string, token: string, who: string): Promise<void> {
  if ((await page.getByTestId("me").count()) === 0) await signIn(page, url, token, who);
}

/** Every alert, confirm or prompt the page opens (each dismissed): a test expects none. */
export function collectDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return dialogs;
}

export interface UiFixture {
  running: RunningApi;
  redis: RedisClient;
  browser: Browser;
  /** Closes the browser and the server, and deletes the config's keys and topics. */
  close(): Promise<void>;
}

/** The UI built, the API listening on `cfg` (any port), a Redis client and a fresh browser. */
export async function uiFixture(cfg: Config): Promise<UiFixture> {
  await buildUi();
  const running = await startApi(cfg, log, { port: 0 });
  const redis = redisClient(cfg);
  const browser = await openBrowser();
  return {
    running,
    redis,
    browser,
    close: async () => {
      await browser.close();
      await running.close();
      await cleanRedis(redis, cfg);
      redis.disconnect();
      await deleteTopics(cfg);
    },
  };
}
