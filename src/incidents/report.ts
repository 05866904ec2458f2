// The Markdown summary report of one incident (the plan's review step). Pure.
import { type EvidencePost, type Incident, type IncidentEvent, ROMAN } from "../domain";

export interface ReportInput {
  incident: Incident;
  timeline: IncidentEvent[];
  evidence: EvidencePost[];
  sparkline: [number, number][];
  respondBy: number;
}

const BARS = "▁▂▃▄▅▆▇█";

/** Unicode sparkline of counts; an empty series is "–". */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return "–";
  const max = Math.max(...values);
  return values.map((v) => (max <= 0 ? BARS[0] : BARS[Math.min(7, Math.floor((v / max) * 7.999))])).join("");
}

/** "1h 02m 03s" style durations; "–" when either end is missing. */
export function duration(from: number | undefined, to: number | undefined): string {
  if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to)) return "–";
  let s = Math.max(0, Math.round((to - from) / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h ? `${h}h ${String(m).padStart(2, "0")}m ${String(s).padStart(2, "0")}s` : m ? `${m}m ${s}s` : `${s}s`;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : "–");
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderReport(r: ReportInput): string {
  const i = r.incident;
  const f = i.figures;
  const statements = r.timeline.filter((e) => e.kind === "statement");
  const actions = r.timeline.filter((e) => e.kind === "action");
  const lines = [
    `# Incident ${i.id}: ${i.type}, grade ${ROMAN[i.grade]}`,
    "",
    `- **State:** ${i.state}${i.assignee ? ` (assignee ${i.assignee})` : ""}, working group \`${i.group}\``,
    `- **Opened from:** ${i.source} on ${i.kind} \`${i.key}\`${i.reopenCount ? `, reopened ${i.reopenCount}×` : ""}`,
    `- **First evidence:** ${iso(i.firstEvidenceAt)} · **opened:** ${iso(i.openedAt)} · **resolved:** ${iso(i.resolvedAt)}`,
    `- **Respond by (grade ${ROMAN[i.grade]} target):** ${iso(r.respondBy)}`,
    "",
    "## Scale",
    "",
    "| flagged | posts | per minute | authors | reach | confidence | growth |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${f.flagged} | ${f.posts} | ${f.perMinute} | ${f.authors} | ${f.reach} | ${f.confidence} | ${f.growth} |`,
    "",
    `Flagged posts by bucket: \`${sparkline(r.sparkline.map(([, n]) => n))}\` (${r.sparkline.length} buckets)`,
    "",
    "## Times",
    "",
    `- Time to detect: ${duration(i.firstEvidenceAt, i.openedAt)}`,
    `- Time to respond: ${duration(i.openedAt, i.respondingAt)}`,
    `- Time to resolve: ${duration(i.openedAt, i.resolvedAt)}`,
    "",
    "## Actions",
    "",
    ...(actions.length ? actions.map((e) => `- ${iso(e.at)} ${e.actor}: ${e.text ?? ""}`) : ["None recorded."]),
    "",
    "## Statements",
    "",
    ...(statements.length ? statements.map((e) => `- ${iso(e.at)} ${e.actor}: ${e.text ?? ""}`) : ["None published."]),
    "",
    "## Timeline",
    "",
    "| time | event | by | grade | state | details |",
    "| --- | --- | --- | --- | --- | --- |",
    ...r.timeline.map(
      (e) =>
        `| ${iso(e.at)} | ${e.kind}${e.from !== undefined ? ` (from ${typeof e.from === "number" ? ROMAN[e.from] : e.from})` : ""} | ${e.actor} | ${ROMAN[e.grade]} | ${e.state} | ${cell(e.text ?? "")} |`,
    ),
    "",
    `## Evidence (${r.evidence.length} posts kept)`,
    "",
    ...(r.evidence.length
      ? [
          "| time | post | author | followers | text |",
          "| --- | --- | --- | ---: | --- |",
          ...r.evidence.map(
            (p) =>
              `| ${p.createdAt} | ${cell(p.id)} | ${cell(p.authorId)} | ${p.followers} | ${cell(p.text.slice(0, 140))} |`,
          ),
        ]
      : ["No posts sampled."]),
    "",
  ];
  return lines.join("\n");
}
