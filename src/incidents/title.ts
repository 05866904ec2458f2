// What a moderator reads first: an incident's title and summary. Pure. The title comes from the
// most readable key among its evidence (hashtag, domain, mention target, URL) and its
// representative text (the most common normalised text of its evidence posts); a MinHash band
// hash or a digest never appears in it. The summary gives the scale in people's terms.
import type { EvidencePost, IncidentFigures, IncidentSummary, IncidentType } from "../domain";

/** Kinds a person recognises, most readable first. */
const READABLE = ["hashtag", "domain", "mention", "url"] as const;
const TYPE_WORDS: Record<IncidentType, string> = {
  rumour: "Rumour",
  abuse: "Harassment",
  attack: "Attack",
  data_leak: "Data leak",
  technical: "Technical fault",
};

/** Parses "{kind:value}". */
function parseTag(tag: string): { kind: string; value: string } {
  const inner = tag.slice(1, -1);
  const i = inner.indexOf(":");
  return { kind: inner.slice(0, i), value: inner.slice(i + 1) };
}

const isDigest = (v: string) => v.startsWith("h.");

/** A readable key ("#tag", "@user", "domain.example") as shown in a title. */
export function showKey(kind: string, value: string): string | undefined {
  if (isDigest(value)) return undefined;
  switch (kind) {
    case "hashtag":
      return `#${value}`;
    case "mention":
      return `@${value}`;
    case "domain":
    case "url":
      return value;
    default:
      return undefined;
  }
}

/**
 * The most readable key among window tags that at least a quarter (and two) of the posts carry,
 * or the opening key itself when it is readable.
 */
export function readableKey(
  opening: { kind: string; key: string },
  postTags: readonly (readonly string[])[],
): string | undefined {
  const counts = new Map<string, number>();
  for (const tags of postTags) for (const t of new Set(tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const min = Math.max(2, Math.ceil(postTags.length / 4));
  for (const kind of READABLE) {
    if (opening.kind === kind) return showKey(kind, opening.key);
    const best = [...counts].filter(([t, n]) => n >= min && parseTag(t).kind === kind).sort((a, b) => b[1] - a[1])[0];
    if (best) return showKey(kind, parseTag(best[0]).value);
  }
  return undefined;
}

/** Text folded so copies with small edits, other links or numbers compare equal. */
export function foldText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/https?:\/\/([^/\s?#]+)\S*/g, "$1")
    .replace(/\d+/g, "#")
    .replace(/[\s\p{P}\p{S}]+/gu, " ")
    .trim();
}

/** The most common folded text among the posts, shown as one of its original posts. */
export function representativeText(posts: readonly Pick<EvidencePost, "text">[]): string | undefined {
  const groups = new Map<string, { n: number; text: string }>();
  for (const p of posts) {
    const k = foldText(p.text);
    if (!k) continue;
    const g = groups.get(k);
    if (g) g.n++;
    else groups.set(k, { n: 1, text: p.text });
  }
  return [...groups.values()].sort((a, b) => b.n - a.n)[0]?.text;
}

const clip = (s: string, n: number) => {
  const chars = [...s.replace(/\s+/g, " ").trim()];
  return chars.length > n ? `${chars.slice(0, n - 1).join("")}…` : chars.join("");
};

/** "Rumour on #自来水投毒: “紧急扩散！市自来水厂…”"; never a band hash. */
export function titleOf(o: {
  type: IncidentType;
  kind: string;
  key: string;
  readable?: string;
  text?: string;
}): string {
  const what = TYPE_WORDS[o.type];
  if (o.type === "technical") return `${what}: ${o.key.replace(/_/g, " ")}`;
  const on =
    o.readable ??
    (o.kind === "post"
      ? "a reported post"
      : o.kind === "author"
        ? `account ${isDigest(o.key) ? "(reported)" : o.key}`
        : o.kind === "reporters"
          ? `reports against ${o.key}`
          : undefined);
  const text = o.text ? `“${clip(o.text, 60)}”` : undefined;
  if (on && text) return `${what} on ${on}: ${text}`;
  if (on) return `${what} on ${on}`;
  if (text) return `${what}: ${text}`;
  return `${what}: near-duplicate posts`;
}

/** The summary of an incident from its figures and kept evidence. */
export function summaryOf(o: {
  figures: IncidentFigures;
  evidence: readonly EvidencePost[];
  firstSeen: number;
  lastSeen: number;
  newAccountDays: number;
  text?: string;
}): IncidentSummary {
  const authors = new Map<string, EvidencePost>();
  for (const p of o.evidence) authors.set(p.authorId, p);
  const young = [...authors.values()].filter(
    (p) => p.accountAgeDays !== undefined && p.accountAgeDays < o.newAccountDays,
  ).length;
  const times = o.evidence.map((p) => Date.parse(p.createdAt)).filter(Number.isFinite);
  const reach = [...authors.values()].reduce((s, p) => s + p.followers, 0);
  return {
    accounts: Math.max(o.figures.authors, authors.size),
    newAccounts: young,
    reach: Math.max(o.figures.reach, reach),
    firstSeen: Math.min(o.firstSeen, ...times),
    lastSeen: Math.max(o.lastSeen, ...times),
    ratePerMin: o.figures.perMinute,
    ...(o.text ? { text: o.text } : {}),
  };
}
