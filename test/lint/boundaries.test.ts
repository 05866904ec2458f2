// The import boundaries of ../shared/STYLE.md fire: forbidden imports written into a scratch copy
// of the project are rejected by the project's own ESLint config, and an allowed one is not.
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
let scratch: string;

/** Writes the files into the scratch copy and returns each file's rule ids. */
async function lint(files: Record<string, string>): Promise<Record<string, string[]>> {
  for (const [path, text] of Object.entries(files)) writeFileSync(join(scratch, path), text);
  const eslint = new ESLint({ cwd: scratch });
  const results = await eslint.lintFiles(Object.keys(files).map((p) => join(scratch, p)));
  return Object.fromEntries(
    results.map((r) => [r.filePath.slice(scratch.length + 1), r.messages.map((m) => m.ruleId ?? m.message)]),
  );
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "modstream-lint-"));
  for (const entry of ["src", "bench", "test", "bin", "tsconfig.json", "eslint.config.js", "package.json"]) {
    cpSync(join(root, entry), join(scratch, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run lint's import rules", () => {
  it("reject a stage importing another stage", async () => {
    const r = await lint({ "src/score/x.ts": 'export { WindowStore } from "../windows/store";\n' });
    expect(r["src/score/x.ts"]).toContain("import-x/no-restricted-paths");
  });

  it("reject a stage importing the wiring that composes it", async () => {
    const r = await lint({ "src/windows/x.ts": 'export { startWorker } from "../worker/main";\n' });
    expect(r["src/windows/x.ts"]).toContain("import-x/no-restricted-paths");
  });

  it("reject src/ importing bench/", async () => {
    const r = await lint({ "src/y.ts": 'export { benchScore } from "../bench/score";\n' });
    expect(r["src/y.ts"]).toContain("import-x/no-restricted-paths");
  });

  it("reject a leaf importing beyond the leaves, and a pure module importing a stage", async () => {
    const r = await lint({
      "src/normalise/x.ts": 'export { scoreRules } from "../score/rules";\n',
    });
    expect(r["src/normalise/x.ts"]).toContain("import-x/no-restricted-paths");
    const leaf = await lint({ "src/errors.ts": 'import "./config";\nexport const x = 1;\n' });
    expect(leaf["src/errors.ts"]).toContain("import-x/no-restricted-paths");
  });

  it("reject two files importing each other", async () => {
    const r = await lint({
      "src/detect/ca.ts": 'import { b } from "./cb";\nexport const a = (): number => b();\n',
      "src/detect/cb.ts": 'import { a } from "./ca";\nexport const b = (): number => a();\n',
    });
    expect(r["src/detect/ca.ts"]).toContain("import-x/no-cycle");
    expect(r["src/detect/cb.ts"]).toContain("import-x/no-cycle");
  });

  it("accept what the layout allows: a stage importing the leaves, the worker importing stages", async () => {
    const r = await lint({
      "src/score/ok.ts": 'import type { Post } from "../domain";\nexport type P = Post;\n',
      "src/worker/ok.ts": 'export { WindowStore } from "../windows/store";\n',
    });
    expect(r["src/score/ok.ts"]).toEqual([]);
    expect(r["src/worker/ok.ts"]).toEqual([]);
  });
});
