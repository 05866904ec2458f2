// Incidents from user reports (举报) alone: the elected worker sums reports per post / account
// over the last buckets and opens when enough distinct reporters reported the same thing. A flood
// of reports is judged by what was reported: against a post the models scored harmful it opens
// the incident its reports name (and raises the post's priority); against a harmless post it is
// report-bombing, a malicious attack by the reporters, never abuse against the target.
import { wasSuppressed, type IncidentCommands, type OpenResult } from "./commands";
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
    const { kind, key } = splitTag(tag);
    const windowSeconds = bs * rc.windowBuckets;
    const figures = figuresOf({ flagged: count, posts: count, authors: reporters, reach: 0 }, 0, 0, windowSeconds);
    const firstEvidenceAt = (buckets[buckets.length - 1] ?? current) * 1000;
    const period = Math.floor(now / (c.config.coolDownSeconds * 1000));
    // The reported post (the tag itself, or the post behind a reported account).
    const pair = await c.store.reportTarget(tag, buckets);
    const postTag = kind === "post" ? tag : pair;
    const bombed = postTag ? await harmless(c, postTag, now) : false;
    if (bombed && postTag) {
      const post = splitTag(postTag).key;
      const r = await c.open({
        type: "attack",
        source: "reports",
        kind: "post",
        key: post,
        tag: `{reporters:${post}}`,
        // The post and its author are one report-bombing incident, whichever is scanned first.
        aliases: [postTag, ...(kind === "post" ? (pair ? [pair] : []) : [tag])],
        ref: `reports:bombing:${postTag}:${period}`,
        figures,
        firstEvidenceAt,
        text: `report-bombing: ${reporters} accounts reported a post the models score as harmless (${reason})`,
      });
      out.push(r);
      if (wasSuppressed(r)) continue;
      // A continuing flood (the same reference) still grows the incident's peak figures and title.
      if (r.outcome === "duplicate") await c.regrade(r.id, figures);
      await c.describe(r.id, [], `report-bombing of post ${post} by ${reporters} accounts`);
      continue;
    }
    const type = REPORT_TYPE[reason] ?? "abuse";
    const r = await c.open({
      type,
      source: "reports",
      kind,
      key,
      tag,
      // One reference per cool-down period: a continuing flood extends once, not every tick.
      ref: `reports:${type}:${tag}:${period}`,
      figures,
      firstEvidenceAt,
      text: `${reporters} distinct reporters reported ${kind} "${key}" (${reason})`,
    });
    out.push(r);
    if (wasSuppressed(r)) continue;
    if (r.outcome === "duplicate") await c.regrade(r.id, figures);
    await c.describe(r.id);
  }
  return out;
}

/** A post the models never flagged, or flagged below `reports.harmlessBelow`. */
async function harmless(c: IncidentCommands, postTag: string, now: number): Promise<boolean> {
  const score = await c.store.flaggedScore(postTag, now);
  return score === undefined || score < (c.config.reports.harmlessBelow ?? 0.5);
}
