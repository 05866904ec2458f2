// The drill library through the real path — Kafka → worker (trained models) → Redis → detector:
// every harmful scenario is detected as its type within 30 s of its burst; the benign trending
// hashtag and the noisy author open nothing.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { runDrills } from "../../src/drill/runner";
import { scenarioNames } from "../../src/drill/scenarios";
import { normalise } from "../../src/normalise";
import { loadDefaultScorer } from "../../src/scoring";
import { loadBenignCorpus } from "../../src/replay/corpus";
import { defaultDataDir } from "../../src/score/cli";
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
      } else {
        expect(r.unexpected, `${r.scenario} opened something`).toEqual([]);
      }
    }
    expect(report.backgroundSpikes).toEqual([]);
    expect(report.pass).toBe(true);
  });
});
