// Untrusted text reaches the page only as text: no UI source sets HTML. Preact renders JSX
// children as text nodes; these are the ways around that.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/config";

const HTML_SINKS =
  /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment/;

describe("the UI's sources", () => {
  it("never set HTML", () => {
    const dir = join(REPO_ROOT, "ui/src");
    const files = readdirSync(dir).filter((f) => /\.tsx?$/.test(f));
    expect(files).toContain("main.tsx");
    for (const f of files) expect(readFileSync(join(dir, f), "utf8"), f).not.toMatch(HTML_SINKS);
  });
});
