// Pure helpers of the UI: how an incident is named, filtered and searched, and how times read.
// No DOM here, so test/ui/format.test.ts runs them in Node.
import { ROMAN, type Grade } from "../../src/domain";
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

export function countdown(dueAt: number, now = Date.now()): { text: string; late: boolean } {
  const ms = dueAt - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const t = `${h ? `${h}h ` : ""}${m}m ${String(s).padStart(2, "0")}s`;
  return ms >= 0 ? { text: `due in ${t}`, late: false } : { text: `late by ${t}`, late: true };
}

export const clock = (at: number): string => new Date(at).toLocaleTimeString();

/** 1234 → "1.2k", 2_500_000 → "2.5M": reach and counts at a glance. */
export function compact(n: number): string {
  if (Math.abs(n) < 1000) return String(Math.round(n));
  if (Math.abs(n) < 1e6) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}
