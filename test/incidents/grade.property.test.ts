// The grader's invariants (fast-check) and the lifecycle's transition table: pure, no services.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INCIDENT_STATES, type IncidentFigures, type IncidentType } from "../../src/domain";
import { DEFAULT_MATRIX, grade } from "../../src/incidents/grade";
import { TRANSITIONS, refuse } from "../../src/incidents/lifecycle";
import { duration, renderReport, sparkline } from "../../src/incidents/report";
import { clusterOf } from "../../src/incidents/service";
import { assess } from "../../src/incidents/health";
import { loadConfig } from "../../src/config";

const TYPES: IncidentType[] = ["rumour", "abuse", "attack", "data_leak"];
const figures = fc.record<IncidentFigures>({
  flagged: fc.integer({ min: 0, max: 5000 }),
  posts: fc.integer({ min: 0, max: 50_000 }),
  perMinute: fc.double({ min: 0, max: 2000, noNaN: true }),
  authors: fc.integer({ min: 0, max: 2000 }),
  reach: fc.integer({ min: 0, max: 10_000_000 }),
  confidence: fc.double({ min: 0, max: 100, noNaN: true }),
  growth: fc.double({ min: 0, max: 50, noNaN: true }),
});
const field = fc.constantFrom<keyof IncidentFigures>(
  "flagged",
  "perMinute",
  "authors",
  "reach",
  "confidence",
  "growth",
);

describe("grader", () => {
  it("more of any figure never lowers the severity", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES),
        figures,
        field,
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (t, f, k, more) => {
          const before = grade(t, f).grade;
          const after = grade(t, { ...f, [k]: f[k] + more }).grade;
          expect(after).toBeLessThanOrEqual(before);
        },
      ),
    );
  });

  it("technical faults are grade IV whatever their figures", () => {
    fc.assert(
      fc.property(figures, (f) => {
        expect(grade("technical", f).grade).toBe(4);
      }),
    );
  });

  it("a more severe type never grades lower on the same figures", () => {
    fc.assert(
      fc.property(figures, (f) => {
        expect(grade("data_leak", f).grade).toBeLessThanOrEqual(grade("rumour", f).grade);
      }),
    );
  });

  it("grades the plan's examples: a trickle is IV, a platform-wide campaign is I", () => {
    const none = { flagged: 0, posts: 0, perMinute: 0, authors: 0, reach: 0, confidence: 0, growth: 0 };
    expect(grade("rumour", none).grade).toBe(4);
    const sizeable = {
      flagged: 300,
      posts: 320,
      perMinute: 150,
      authors: 120,
      reach: 200_000,
      confidence: 14,
      growth: 3,
    };
    expect(grade("rumour", sizeable).grade).toBe(2);
    const huge = { flagged: 2000, posts: 2500, perMinute: 600, authors: 800, reach: 5e6, confidence: 60, growth: 6 };
    expect(grade("rumour", huge).grade).toBe(1);
    const r = grade("rumour", sizeable);
    expect(r.breakdown.flagged).toBe(3);
    expect(r.points).toBeGreaterThanOrEqual(DEFAULT_MATRIX.grades.II);
  });

  it("the pipeline file's matrix is the default one", () => {
    expect(loadConfig({}).pipeline.incidents?.grading).toEqual(DEFAULT_MATRIX);
  });
});

describe("lifecycle", () => {
  const table: [string, string, string | undefined][] = [];
  for (const from of INCIDENT_STATES)
    for (const to of INCIDENT_STATES) table.push([from, to, refuse({ from, to, assignee: "lead", note: "summary" })]);

  it("allows exactly the plan's moves", () => {
    const allowed = table.filter(([, , why]) => why === undefined).map(([f, t]) => `${f}→${t}`);
    expect(allowed.sort()).toEqual(
      [
        "open→assessing",
        "open→resolved",
        "assessing→responding",
        "assessing→resolved",
        "responding→resolved",
        "resolved→reviewed",
        "resolved→open",
      ].sort(),
    );
    expect(TRANSITIONS.reviewed).toEqual([]);
  });

  it("needs an assignee to respond and a summary to review", () => {
    expect(refuse({ from: "assessing", to: "responding" })).toMatch(/assignee/);
    expect(refuse({ from: "resolved", to: "reviewed", note: "  " })).toMatch(/summary/);
    expect(refuse({ from: "open", to: "responding", assignee: "x" })).toBe("not allowed");
  });
});

describe("helpers", () => {
  it("merges only band keys most sampled posts share", () => {
    const p = (id: string, tags: string[]) => ({
      id,
      authorId: "a",
      followers: 1,
      text: "",
      createdAt: "",
      scores: { rumour: 0, abuse: 0, attack: 0, data_leak: 0 },
      tags,
    });
    const sample = [
      p("1", ["{cluster:0:a}", "{cluster:1:b}", "{author:x}"]),
      p("2", ["{cluster:0:a}", "{cluster:1:c}"]),
      p("3", ["{cluster:0:a}", "{hashtag:h}"]),
    ];
    expect(clusterOf(sample)).toEqual(["{cluster:0:a}"]);
    expect(clusterOf(sample.slice(0, 1))).toEqual([]);
  });

  it("sparklines and durations", () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe("▁▁▂▄█");
    expect(sparkline([])).toBe("–");
    expect(duration(0, 3_723_000)).toBe("1h 02m 03s");
    expect(duration(0, undefined)).toBe("–");
  });

  it("health signals", () => {
    const t = loadConfig({}).pipeline.incidents!.technical;
    const ok = { probes: [3, 4], messages: 100, deadLettered: 1, errors: 0, lag: 10 };
    expect([...assess(ok, t).keys()]).toEqual([]);
    const bad = assess({ probes: [3, Infinity], messages: 100, deadLettered: 50, errors: 9, lag: 1e9 }, t);
    expect([...bad.keys()].sort()).toEqual(["dead_letter", "errors", "lag", "redis"]);
    expect(bad.get("redis")?.text).toMatch(/did not answer/);
  });

  it("renders a report with every section", () => {
    const md = renderReport({
      incident: {
        id: "INC-x",
        type: "rumour",
        grade: 2,
        state: "resolved",
        source: "spike",
        kind: "hashtag",
        key: "dam",
        group: "rumour-desk",
        figures: { flagged: 60, posts: 80, perMinute: 120, authors: 30, reach: 5e4, confidence: 14, growth: 3 },
        firstEvidenceAt: 1000,
        openedAt: 31_000,
        updatedAt: 0,
        lastActivityAt: 0,
        respondingAt: 91_000,
        resolvedAt: 3_631_000,
        reopenCount: 0,
        aliases: [],
        title: "Rumour on #dam",
        summary: { accounts: 30, newAccounts: 0, reach: 5e4, firstSeen: 1000, lastSeen: 31_000, ratePerMin: 120 },
      },
      timeline: [
        {
          incidentId: "INC-x",
          kind: "statement",
          at: 5000,
          actor: "lead",
          type: "rumour",
          grade: 2,
          state: "responding",
          text: "The dam is fine | officials",
        },
      ],
      evidence: [],
      sparkline: [
        [0, 1],
        [10, 5],
      ],
      respondBy: 0,
    });
    expect(md).toMatch(/# Incident INC-x: rumour, grade II/);
    expect(md).toMatch(/Time to detect: 30s/);
    expect(md).toMatch(/Time to respond: 1m 0s/);
    expect(md).toMatch(/Time to resolve: 1h 00m 00s/);
    expect(md).toMatch(/The dam is fine \\\| officials/);
    expect(md).toMatch(/## Actions\n\nNone recorded/);
  });
});
