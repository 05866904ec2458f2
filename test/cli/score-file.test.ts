// `modstream score --file`: a dump of traffic scored offline, one JSON line per input line in
// order, with a clear error for each bad line while the rest are still scored.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { Score } from "../../src/domain";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "score-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  line: number;
  id?: string;
  error?: string;
  scores?: Score;
}

const post = {
  id: "p1",
  author: { id: "u1", followers: 10, accountAgeDays: 400 },
  text: "you are a stupid fucking idiot",
  createdAt: "2024-05-01T10:00:00Z",
};

describe("score --file", () => {
  it("scores good lines, reports bad ones by line, and keeps going", async () => {
    const input = path.join(dir, "posts.jsonl");
    const out = path.join(dir, "scores.jsonl");
    writeFileSync(
      input,
      [
        JSON.stringify(post),
        JSON.stringify({ text: "Can't wait for the weekend, going hiking with my dog" }),
        "{not json",
        JSON.stringify({ ...post, id: "p2", createdAt: "yesterday" }),
        "",
        JSON.stringify([1, 2]),
        JSON.stringify({ text: "你就是个傻逼，滚" }),
      ].join("\n") + "\n",
    );
    const err = await run("node", ["bin/modstream.js", "score", "--file", input, "--out", out]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2); // some lines were bad
    expect(err?.stderr).toContain("3 posts scored, 3 bad lines");
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 6, 7]);
    const [insult, hiking, badJson, badDate, array, zh] = lines;
    expect(insult?.id).toBe("p1");
    expect(insult?.scores?.abuse.flagged).toBe(true);
    expect(insult?.scores?.abuse.top.length).toBeGreaterThan(0);
    expect(hiking?.scores?.abuse.flagged).toBe(false);
    expect(badJson?.error).toMatch(/^not JSON/);
    expect(badDate?.error).toMatch(/^schema: .*createdAt/);
    expect(array?.error).toBe("not a JSON object");
    expect(zh?.scores?.abuse.flagged).toBe(true);
    expect(Object.keys(zh?.scores ?? {}).sort()).toEqual(["abuse", "attack", "data_leak", "rumour"]);
  }, 60_000);
  it("refuses a file that does not exist", async () => {
    const err = await run("node", ["bin/modstream.js", "score", "--file", path.join(dir, "missing.jsonl")]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain("no such file");
  }, 60_000);
});
