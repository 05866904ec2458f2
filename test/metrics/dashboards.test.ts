// The monitoring files without a running Prometheus: Grafana JSON essentials, the provisioning
// files, `promtool check rules` / `check config`, and the deploy example's references.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { REPO_ROOT } from "../../src/config";
import {
  ALERTS_FILE,
  BUILTINS,
  DASHBOARDS_DIR,
  allPanels,
  alertMeasures,
  loadAlertRules,
  loadDashboards,
  usedVariables,
  variableQuery,
} from "./queries";

const DEPLOY = join(REPO_ROOT, "deploy");
const tmp = mkdtempSync(join(tmpdir(), "modstream-promcfg-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("Grafana dashboards", () => {
  const boards = loadDashboards();

  it("ships the overview, spikes and review dashboards with unique uids", () => {
    expect(boards.map((b) => b.file)).toEqual(expect.arrayContaining(["overview.json", "spikes.json", "review.json"]));
    const uids = boards.map((b) => b.dashboard.uid);
    for (const uid of uids) expect(uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(new Set(uids).size).toBe(uids.length);
  });

  for (const { file, dashboard: d } of boards)
    it(`${file}: schema essentials, datasource variable, unique panel ids, defined variables`, () => {
      expect(d.title.length).toBeGreaterThan(0);
      expect(typeof d.schemaVersion).toBe("number");
      const vars = d.templating.list;
      const ds = vars.find((v) => v.type === "datasource");
      expect(ds?.name).toBe("datasource");
      expect(ds?.query).toBe("prometheus");
      const instance = vars.find((v) => v.name === "instance");
      expect(variableQuery(instance ?? { name: "", type: "" })).toMatch(/^label_values\(\w+, instance\)$/);
      if (file === "spikes.json") expect(vars.map((v) => v.name)).toContain("category");
      if (file === "review.json") expect(vars.map((v) => v.name)).toContain("queue");

      const panels = allPanels(d);
      const ids = panels.map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
      expect(new Set(ids).size, `duplicate panel ids in ${file}`).toBe(ids.length);
      const defined = new Set([...vars.map((v) => v.name), ...Object.keys(BUILTINS)]);
      for (const p of panels) {
        expect(p.gridPos, `${p.title} gridPos`).toBeDefined();
        if (p.type === "row") continue;
        expect(p.targets?.length ?? 0, `${p.title} has queries`).toBeGreaterThan(0);
        expect(p.datasource?.uid).toBe("${datasource}");
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
        for (const t of p.targets ?? []) {
          expect(t.expr.trim().length, `${p.title}/${t.refId}`).toBeGreaterThan(0);
          expect(t.datasource?.uid).toBe("${datasource}");
          for (const v of usedVariables(t.expr)) expect(defined, `${p.title} uses $${v}`).toContain(v);
        }
      }
    });

  it("provisioning file points Grafana at the dashboards", () => {
    const prov = parseYaml(readFileSync(join(DASHBOARDS_DIR, "provisioning.yml"), "utf8")) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(prov.apiVersion).toBe(1);
    expect(prov.providers[0]?.type).toBe("file");
    const compose = readFileSync(join(DEPLOY, "docker-compose.yml"), "utf8");
    expect(compose).toContain(`../dashboards:${prov.providers[0]?.options.path}`);
  });
});

describe("alert rules", () => {
  it("pass promtool check rules", () => {
    const r = spawnSync("promtool", ["check", "rules", ALERTS_FILE], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("cover lag, dead letters, silence, step errors, spikes, review SLAs and the API, each with severity and summary", () => {
    const rules = loadAlertRules();
    const names = rules.map((r) => r.alert);
    for (const n of [
      "ModstreamConsumerLagGrowing",
      "ModstreamDeadLetterRateHigh",
      "ModstreamNoPostsConsumed",
      "ModstreamPipelineStepErrors",
      "ModstreamSpikeDetected",
      "ModstreamReviewSlaBreachedUrgent",
      "ModstreamReviewSlaBreached",
      "ModstreamApiDown",
      "ModstreamApiErrors",
    ])
      expect(names).toContain(n);
    for (const r of rules) {
      expect(r.labels?.severity, r.alert).toBeTruthy();
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(alertMeasures(r.expr).length, r.alert).toBeGreaterThan(0);
    }
  });

  it("measures are cut at top-level comparisons only", () => {
    expect(alertMeasures('sum(rate(x{a!="b",c=~"d"}[5m])) > 3')).toEqual(['sum(rate(x{a!="b",c=~"d"}[5m]))']);
    expect(alertMeasures("a > 1\nand\nderiv(b[10m]) > 0")).toEqual(["a", "deriv(b[10m])"]);
    expect(alertMeasures("sum by (job) (rate(c[10m])) == 0")).toEqual(["sum by (job) (rate(c[10m]))"]);
    expect(alertMeasures("x / y")).toEqual(["x / y"]);
  });
});

describe("deploy example", () => {
  it("prometheus.yml passes promtool check config with the rules file beside it", () => {
    const cfg = parseYaml(readFileSync(join(DEPLOY, "prometheus/prometheus.yml"), "utf8")) as {
      rule_files: string[];
      scrape_configs: { job_name: string }[];
    };
    expect(cfg.rule_files).toEqual(["/etc/prometheus/alerts.yml"]);
    expect(cfg.scrape_configs.map((s) => s.job_name)).toEqual(expect.arrayContaining(["modstream", "modstream-api"]));
    const file = join(tmp, "prometheus.yml");
    writeFileSync(file, stringify({ ...cfg, rule_files: [ALERTS_FILE] }));
    const r = spawnSync("promtool", ["check", "config", file], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("docker-compose runs Kafka, Redis, the worker, the API, Prometheus and Grafana from files that exist", () => {
    const compose = parseYaml(readFileSync(join(DEPLOY, "docker-compose.yml"), "utf8")) as {
      services: Record<string, { volumes?: string[]; build?: { context: string; dockerfile: string } }>;
    };
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(["kafka", "redis", "worker", "api", "prometheus", "grafana"]),
    );
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(":")[0] ?? "";
        if (src.startsWith(".")) expect(existsSync(resolve(DEPLOY, src)), `${name}: ${src}`).toBe(true);
      }
      if (s.build) expect(existsSync(resolve(DEPLOY, s.build.context, s.build.dockerfile))).toBe(true);
    }
  });
});
