// Appeals in the review UI, in a real Chromium against the real server, Redis and Kafka: the
// moderator who made a decision finds the appeals queue empty for them; a moderator of the appeals
// desk sees the appeal (the author's words, verbatim and inert, and the decision contested),
// claims it, overturns it with the keyboard, and one reversal reaches the actions topic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthStore } from "../../src/review/auth";
import { isolatedConfig, kafkaClient } from "../helpers/env";
import { decidedPost, readTopic } from "../review/actions";
import { TEST_API } from "../http/setup";
import { collectDialogs, signIn, uiFixture, type UiFixture } from "./browser";

const cfg = isolatedConfig("ui-appeals", (p) => ({
  ...p,
  api: { ...TEST_API, rateLimit: { authPerMinute: 100, writesPerMinute: 1000 } },
}));
const WORDS = `I was quoting the rumour to debunk it <img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>`;

let ui: UiFixture;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  ui = await uiFixture(cfg);
  const auth = new AuthStore(ui.redis, ui.running.deps.keys, 600);
  for (const name of ["mia", "noa"]) tokens[name] = (await auth.createToken("moderator", name)).token;
  // mia suspends the author of a post; the author appeals.
  const review = ui.running.deps.review;
  await decidedPost(review, {
    queue: "rumour",
    post: {
      id: "ap-post",
      authorId: "writer",
      followers: 40,
      text: "They say the dam broke, share before it is deleted",
      createdAt: new Date().toISOString(),
      scores: { rumour: 0.99, abuse: 0.01, attack: 0, data_leak: 0 },
      top: [],
    },
    moderator: "mia",
    decisionId: "dec-1",
    kind: "suspend_author",
    reason: "spreading a rumour",
  });
  const filed = await review.fileAppeal(
    { id: "appeal-1", decisionId: "dec-1", accountId: "writer", reason: WORDS, createdAt: new Date().toISOString() },
    "kafka",
  );
  expect(filed.ok).toBe(true);
});

afterAll(async () => {
  await ui?.close();
});

describe("appeals UI", () => {
  it("keeps the appeal from its decider; the appeals desk overturns it and one reversal is published", async () => {
    const { page, context } = ui.browser;
    const dialogs = collectDialogs(page);

    // mia decided dec-1: the appeal waits in the queue, but claiming gives her nothing.
    await signIn(page, ui.running.url, tokens.mia!, "mia (moderator)");
    await page.getByTestId("queue-appeals").click();
    await expect.poll(() => page.getByTestId("count-appeals").textContent()).toBe("1");
    expect(await page.getByTestId("queue-appeals").textContent()).toContain("appeals-desk");
    await page.keyboard.press("c");
    await expect.poll(() => page.getByTestId("message").textContent()).toBe("The queue is empty.");
    await context.clearCookies();

    await signIn(page, ui.running.url, tokens.noa!, "noa (moderator)");
    await page.getByTestId("queue-appeals").click();
    const waiting = page.getByTestId("items").getByTestId("item");
    await expect.poll(() => waiting.getByTestId("appeal-reason").textContent()).toBe(WORDS);
    expect(await waiting.getByTestId("appeal-original").textContent()).toBe(
      "Contests suspend_author by mia on post ap-post: “spreading a rumour”",
    );
    expect(await waiting.getByTestId("post-text").textContent()).toBe(
      "They say the dam broke, share before it is deleted",
    );

    await page.keyboard.press("c");
    const current = page.getByTestId("current");
    await expect.poll(() => current.getByTestId("current-id").textContent()).toBe("appeal:appeal-1");
    expect(await current.getByTestId("appeal-reason").textContent()).toBe(WORDS);
    expect(await page.locator("[data-testid=appeal-reason] img, [data-testid=appeal-reason] script").count()).toBe(0);
    // Appeals take uphold / overturn / escalate, not the moderation decisions.
    expect(await current.getByTestId("decide-remove_post").count()).toBe(0);
    expect(await current.getByTestId("decide-uphold").count()).toBe(1);
    await current.getByTestId("reason").fill("quoting to debunk is not spreading");
    await current.getByTestId("reason").blur();
    await page.keyboard.press("o");
    await expect.poll(() => page.getByTestId("message").textContent()).toBe("Decided: overturn");
    await expect.poll(() => page.getByTestId("count-appeals").textContent()).toBe("0");

    const msgs = await readTopic(kafkaClient(cfg), cfg.pipeline.kafka.topics.actions, (n) => n >= 2, 20_000);
    const reversals = msgs.filter((m) => m.value.action === "reverse");
    expect(reversals).toHaveLength(1);
    expect(reversals[0]).toMatchObject({
      key: "account:writer",
      value: {
        reverses: "dec-1",
        reversesAction: "suspend_author",
        appealId: "appeal-1",
        accountId: "writer",
        moderator: "noa",
        reason: "quoting to debunk is not spreading",
      },
    });
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });
});
