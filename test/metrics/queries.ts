// What the monitoring files ask Prometheus: every dashboard panel query and template variable,
// every alert rule's measures (its expression cut at the threshold comparisons), for the tests.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../../src/config";

export const DASHBOARDS_DIR = join(REPO_ROOT, "dashboards");
export const ALERTS_FILE = join(DASHBOARDS_DIR, "alerts.yml");

export interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
export interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  includeAll?: boolean;
  allValue?: string;
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), "utf8")) as Dashboard }));
}

/** Panels at any depth (collapsed rows hold their panels inside). */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function variableQuery(v: Variable): string {
  return typeof v.query === "string" ? v.query : (v.query?.query ?? "");
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadAlertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(ALERTS_FILE, "utf8")) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/**
 * The measures of an alert expression: its operands split at top-level `and` / `or` / `unless`,
 * each cut before its top-level comparison (`> 10000`, `== 0`). Brackets, braces and quotes
 * hide their contents, so label matchers like `!=` and `=~` are never taken for comparisons.
 */
export function alertMeasures(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  let cut = -1;
  const flush = (end: number) => {
    parts.push(expr.slice(start, cut >= 0 ? cut : end).trim());
    cut = -1;
  };
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i] ?? "";
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (depth === 0) {
      const word = /^\s(and|or|unless)\s/.exec(expr.slice(i));
      if (word) {
        flush(i);
        start = i + word[0].length;
        i = start - 1;
      } else if (cut < 0 && /^(==|!=|>=|<=|>|<)/.test(expr.slice(i))) cut = i;
    }
  }
  flush(expr.length);
  return parts.filter(Boolean);
}

/** Grafana's built-in interval variables, as the tests resolve them. */
export const BUILTINS: Record<string, string> = { __rate_interval: "1m", __interval: "15s", __range: "10m" };

/** Replaces $name and ${name} with values (regex alternatives for multi-value variables). */
export function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? "";
    return values[name] ?? whole;
  });
}

/** Variable names an expression uses. */
export function usedVariables(expr: string): string[] {
  return [...expr.matchAll(/\$\{(\w+)\}|\$(\w+)/g)].map((m) => m[1] ?? m[2] ?? "");
}
