// The drill library through the real path — Kafka → worker (trained models) → Redis → detector:
// every harmful scenario is detected as its type within 30 s of its burst and opens exactly one
// incident of that type, titled with one of the scenario's keys (report-bombing: an attack, never
// abuse against the target; a burst 90 s late: still one); the benign trending hashtag, the noisy
// author and the background open nothing.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { runDrills } from "../../src/drill/runner";
import { scenarioNames } from "../../src/drill/scenarios";
import { normalise } from "../../src/normalise";
import { loadDefaultScorer } from "../../src/worker/scoring";
import { loadBenignCorpus } from "../../src/replay/corpus";
import { defaultDataDir } from "../../src/cli/score";
import { log } from "../helpers/env";

describe("drills", () => {
  it("detects every harmful scenario in time and nothing for the benign ones", async () => {
    const report = await runDrills(scenarioNames, {
      base: loadConfig(),
      log,
      say: () => undefined,
      normalise,
      scorer: await loadDefaultScorer(log),
      backgroundRate: 150,
      warmupMs: 4000,
      timeoutMs: 40_000,
      seed: 5,
      corpus: loadBenignCorpus(defaultDataDir()),
    });
    for (const r of report.results) {
      if (r.expect) {
        expect(r.detected, `${r.scenario} not detected`).toBe(true);
        expect(r.found?.type).toBe(r.expect);
        expect(r.timeToDetectMs, r.scenario).toBeLessThanOrEqual(30_000);
        // The burst opens an incident of its type; tens of posts in 20 s is a general or large
        // incident under the plan (III or II), never a platform-wide grade I nor routine grade IV.
        const mine = r.incidents.filter((i) => i.type === r.expect);
        expect(mine.length, `${r.scenario} opened no ${r.expect} incident`).toBeGreaterThan(0);
        for (const i of mine) expect(["II", "III"]).toContain(i.grade);
        expect(mine, `${r.scenario}: one incident`).toHaveLength(1);
        expect(
          r.keys.some((k) => mine[0]?.title.includes(k)),
          `${r.scenario}: "${mine[0]?.title}"`,
        ).toBe(true);
        expect(mine[0]?.title).not.toMatch(/"\d:[0-9a-f]{8}"/);
      } else {
        expect(r.unexpected, `${r.scenario} opened something`).toEqual([]);
        expect(r.incidents, `${r.scenario} opened an incident`).toEqual([]);
      }
    }
    expect(report.backgroundSpikes).toEqual([]);
    expect(report.backgroundIncidents).toEqual([]);
    expect(report.results.find((r) => r.scenario === "reportbomb")?.incidents.map((i) => i.type)).toEqual(["attack"]);
    expect(report.pass).toBe(true);
  });
});
