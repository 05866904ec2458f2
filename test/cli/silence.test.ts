// `modstream silence add|list|expire` against the real Redis: each command is its own connection
// (as separate runs are), so what one adds the next one reads back.
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import type { Silence } from "../../src/domain";
import { registerSilenceCommands } from "../../src/cli/silence";
import { apiDeps } from "../../src/http/run";
import { cleanRedis, isolatedConfig, redisClient } from "../helpers/env";
import { testSpike } from "../helpers/spikes";

const cfg = isolatedConfig("silence-cli");
const printed: string[] = [];
const said: string[] = [];

async function run(...argv: string[]): Promise<void> {
  const program = new Command("modstream").exitOverride();
  registerSilenceCommands(program, { config: () => cfg, say: (l) => said.push(l), out: (t) => printed.push(t) });
  await program.parseAsync(["silence", ...argv], { from: "user" });
}

afterAll(async () => {
  const redis = redisClient(cfg);
  await cleanRedis(redis, cfg);
  redis.disconnect();
});

describe("silence commands", () => {
  it("adds, lists and expires silences", async () => {
    await run(
      "add",
      "--kind",
      "hashtag",
      "--key",
      "#Foo",
      "--for",
      "2h",
      "--reason",
      "known meme",
      "--actor",
      "lena",
      "--json",
    );
    const added = JSON.parse(printed.pop()!) as Silence;
    expect(added).toMatchObject({ matcher: { kind: "hashtag", key: "foo" }, reason: "known meme", createdBy: "lena" });
    await run("add", "--type", "rumour", "--for", "30m", "--reason", "drill in progress", "--actor", "lena");
    expect(printed.pop()).toMatch(/^SIL-[0-9a-f]{10} {2}every rumour incident {2}until .* by lena: drill in progress$/);

    await run("list");
    const lines = printed.pop()!.split("\n");
    // Ending soonest first: the 30-minute type silence, then the key's.
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${added.id}  hashtag "foo"  until ${new Date(added.endsAt).toISOString()}`);

    await run("expire", added.id, "--actor", "mo");
    expect(said.pop()).toBe(`${added.id} expired`);
    await run("list", "--json");
    expect(
      printed
        .pop()!
        .split("\n")
        .map((l) => (JSON.parse(l) as Silence).id),
    ).not.toContain(added.id);
    await run("list", "--all");
    expect(printed.pop()).toContain(`${added.id}  hashtag "foo"  expired`);

    // What the remaining silence stopped.
    await run("suppressed");
    expect(said.pop()).toBe("nothing suppressed this week");
    const redis = redisClient(cfg);
    const incidents = apiDeps(cfg, redis).incidents;
    expect((await incidents.applySpike(testSpike("anything"), "cli-1")).outcome).toBe("silenced");
    redis.disconnect();
    await run("suppressed");
    expect(printed.pop()).toMatch(
      /Z {2}silenced +rumour +hashtag "anything" {2}grade (III|IV) {2}by SIL-[0-9a-f]{10}$/,
    );

    await expect(run("add", "--for", "1h", "--reason", "x")).rejects.toThrow(/matches a key/);
    await expect(run("add", "--type", "abuse", "--for", "1h")).rejects.toThrow(/--reason/);
    await expect(run("expire", "SIL-0000000000")).rejects.toThrow(/not found/);
  });
});
