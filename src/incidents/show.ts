// `incident show ID` as a lead reads it: title, grade and state, the summary in people's terms,
// the timeline with the reason of each change, and the top evidence. Pure.
import { ROMAN, type EvidencePost, type Incident, type IncidentEvent } from "../domain";

const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
const clip = (s: string, n: number) => {
  const c = [...s.replace(/\s+/g, " ")];
  return c.length > n ? `${c.slice(0, n - 1).join("")}…` : c.join("");
};

export function renderShow(o: {
  incident: Incident;
  timeline: readonly IncidentEvent[];
  evidence: readonly EvidencePost[];
  respondBy: number;
  topEvidence?: number;
}): string {
  const i = o.incident;
  const s = i.summary;
  const lines = [
    `${i.title}`,
    `${i.id} · ${i.type} · grade ${ROMAN[i.grade]} · ${i.state}${i.assignee ? ` (${i.assignee})` : ""} · ${i.group}`,
    `respond by ${time(o.respondBy)}`,
    "",
    `accounts      ${s.accounts} (${s.newAccounts} new)`,
    `reach         ${s.reach.toLocaleString("en")} followers`,
    `rate          ${s.ratePerMin} flagged posts/min at peak`,
    `seen          ${time(s.firstSeen)} → ${time(s.lastSeen)}`,
    `opened        ${time(i.openedAt)} on ${i.kind} ${i.key}`,
    ...(s.text ? [`text          ${clip(s.text, 120)}`] : []),
    "",
    "timeline",
    ...o.timeline.map((e) => `  ${time(e.at)}  ${e.kind.padEnd(16)} ${e.actor.padEnd(10)} ${e.text ?? ""}`.trimEnd()),
  ];
  const posts = [...o.evidence].sort((a, b) => b.followers - a.followers).slice(0, o.topEvidence ?? 5);
  if (posts.length) {
    lines.push("", `top evidence (${posts.length} of ${o.evidence.length}, by reach)`);
    for (const p of posts) lines.push(`  ${p.createdAt}  ${p.authorId} (${p.followers})  ${clip(p.text, 90)}`);
  }
  return lines.join("\n");
}
