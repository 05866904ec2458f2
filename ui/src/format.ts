// Pure helpers of the UI: how an incident is named, filtered and searched, and how times read.
// No DOM here, so test/ui/format.test.ts runs them in Node.
import { ROMAN, type Grade, type SilenceMatcher } from "../../src/domain";
import type { IncidentJson, IncidentQuery } from "./api";

export const numeral = (g: number): string => ROMAN[g as Grade] ?? String(g);

/** The incident's human title; before the API sends one, its type and opening key. */
export function titleOf(i: Pick<IncidentJson, "title" | "type" | "kind" | "key">): string {
  return i.title?.trim() || `${i.type} · ${i.kind} "${i.key}"`;
}

/** Case- and width-insensitive text for search (ＡＢＣ finds abc; 抵制 finds 抵制). */
const fold = (s: string) => s.normalize("NFKC").toLowerCase();

/**
 * The incidents page's filters, applied to what the server answered. A server that does not know
 * a filter yet (grade, group, q) ignores it, so the page never shows what the moderator filtered
 * out; on a server that does, this keeps what it already kept.
 */
export function matches(i: IncidentJson, f: IncidentQuery): boolean {
  if (f.state && i.state !== f.state) return false;
  if (f.live && (i.state === "resolved" || i.state === "reviewed")) return false;
  if (f.type && i.type !== f.type) return false;
  if (f.grade && i.grade !== f.grade) return false;
  if (f.group && i.group !== f.group) return false;
  const q = f.q?.trim();
  if (!q) return true;
  const needle = fold(q);
  return [i.id, i.key, i.title ?? "", i.summary?.text ?? ""].some((s) => fold(s).includes(needle));
}

/** 5_400_000 → "1h 30m 00s". */
export function span(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  return `${h ? `${h}h ` : ""}${m}m ${String(s).padStart(2, "0")}s`;
}

export function countdown(dueAt: number, now = Date.now()): { text: string; late: boolean } {
  const ms = dueAt - now;
  return ms >= 0 ? { text: `due in ${span(ms)}`, late: false } : { text: `late by ${span(ms)}`, late: true };
}

/** What a silence matches, as a lead reads it: `hashtag "foo" · rumour`, `every mention key`, `every attack incident`. */
export function matcherText(m: SilenceMatcher): string {
  const key = m.key ? `${m.kind ?? "?"} "${m.key}"` : m.kind ? `every ${m.kind} key` : "";
  if (!m.type) return key;
  return key ? `${key} · ${m.type} only` : `every ${m.type} incident`;
}

export const clock = (at: number): string => new Date(at).toLocaleTimeString();

/** 1234 → "1.2k", 2_500_000 → "2.5M": reach and counts at a glance. */
export function compact(n: number): string {
  if (Math.abs(n) < 1000) return String(Math.round(n));
  if (Math.abs(n) < 1e6) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}
