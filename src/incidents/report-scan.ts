// Incidents from user reports (举报) alone: the elected worker sums reports per post / account
// over the last buckets and opens when enough distinct reporters reported the same thing.
import type { IncidentCommands, OpenResult } from "./commands";
import { REPORT_TYPE } from "./evidence";
import { figuresOf } from "./grade";

/** Parses a window tag "{kind:value}". */
export function splitTag(tag: string): { kind: string; key: string } {
  const inner = tag.slice(1, -1);
  const i = inner.indexOf(":");
  return { kind: inner.slice(0, i), key: inner.slice(i + 1) };
}

/**
 * Opens incidents from user reports alone: a post or account reported by at least
 * `minReporters` distinct reporters over the last `windowBuckets` buckets. Distinct reporters
 * are the window key's HyperLogLog, which the pipeline fills with reporter ids.
 */
export async function scanReports(c: IncidentCommands): Promise<OpenResult[]> {
  const rc = c.config.reports;
  if (!rc.enabled) return [];
  const now = c.now();
  const bs = c.shape.bucketSeconds;
  const current = Math.floor(now / 1000 / bs) * bs;
  const buckets = Array.from({ length: rc.windowBuckets }, (_, i) => current - i * bs);
  const out: OpenResult[] = [];
  for (const [member, count] of await c.store.reportedOver(buckets)) {
    if (count < rc.minReporters) continue;
    const bar = member.indexOf("|");
    const reason = member.slice(0, bar) as keyof typeof REPORT_TYPE;
    const tag = member.slice(bar + 1);
    const reporters = await c.store.distinctAuthors(tag, buckets);
    if (reporters < rc.minReporters) continue;
    const type = REPORT_TYPE[reason] ?? "abuse";
    const { kind, key } = splitTag(tag);
    const windowSeconds = bs * rc.windowBuckets;
    out.push(
      await c.open({
        type,
        source: "reports",
        kind,
        key,
        tag,
        // One reference per cool-down period: a continuing flood extends once, not every tick.
        ref: `reports:${type}:${tag}:${Math.floor(now / (c.config.coolDownSeconds * 1000))}`,
        figures: figuresOf({ flagged: count, posts: count, authors: reporters, reach: 0 }, 0, 0, windowSeconds),
        firstEvidenceAt: (buckets[buckets.length - 1] ?? current) * 1000,
        text: `${reporters} distinct reporters reported ${kind} "${key}" (${reason})`,
      }),
    );
  }
  return out;
}
