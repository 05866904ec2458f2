// The append-only audit log: every claim, decision, grade change, statement and login, with who,
// when, what and why. One Redis stream, with per-incident and per-actor copies under the same
// entry ids, so each query is one range read ordered by time.
import type { AuditEntry, AuditKind } from "../domain";
import type { ReviewKeys } from "./keys";
import type { ReviewClient } from "./scripts";

export interface AuditQuery {
  incidentId?: string;
  actor?: string;
  /** Time range, ms since epoch (inclusive). */
  from?: number;
  to?: number;
  /** Entry id to continue after (newest first). */
  cursor?: string;
  limit?: number;
}

export class AuditLog {
  constructor(
    private readonly redis: ReviewClient,
    private readonly keys: ReviewKeys,
  ) {}

  append(e: {
    actor: string;
    kind: AuditKind;
    itemId?: string;
    incidentId?: string;
    what?: string;
    why?: string;
    at?: number;
  }): Promise<string> {
    return this.redis.reviewAudit(
      this.keys.reviewAudit(),
      e.at ?? Date.now(),
      e.actor,
      e.kind,
      e.itemId ?? "",
      e.incidentId ?? "",
      e.what ?? "",
      e.why ?? "",
      this.keys.reviewAuditPrefix(),
    );
  }

  /** Newest first; `next` continues the page. */
  async query(q: AuditQuery): Promise<{ entries: AuditEntry[]; next?: string }> {
    const key = q.incidentId
      ? `${this.keys.reviewAuditPrefix()}i:${q.incidentId}`
      : q.actor
        ? `${this.keys.reviewAuditPrefix()}m:${q.actor}`
        : this.keys.reviewAudit();
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    // Nothing comes before the first possible id (and Redis refuses a range ending below it).
    if (q.cursor && /^0+-0+$/.test(q.cursor)) return { entries: [] };
    const end = q.cursor ? `(${q.cursor}` : q.to !== undefined ? `${q.to}-18446744073709551615` : "+";
    const start = q.from !== undefined ? `${q.from}-0` : "-";
    const rows = (await this.redis.xrevrange(key, end, start, "COUNT", limit + 1)) as [string, string[]][];
    const entries = rows.slice(0, limit).map(([id, f]) => toEntry(id, f));
    // Filters that the chosen stream does not already apply (incident and actor together).
    const filtered = q.incidentId && q.actor ? entries.filter((e) => e.actor === q.actor) : entries;
    return { entries: filtered, next: rows.length > limit ? entries[entries.length - 1]?.id : undefined };
  }
}

function toEntry(id: string, f: string[]): AuditEntry {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < f.length; i += 2) m.set(f[i] ?? "", f[i + 1] ?? "");
  return {
    id,
    at: Number(id.slice(0, id.indexOf("-"))),
    actor: m.get("actor") ?? "",
    kind: (m.get("kind") ?? "enqueue") as AuditKind,
    ...(m.has("itemId") ? { itemId: m.get("itemId") } : {}),
    ...(m.has("incidentId") ? { incidentId: m.get("incidentId") } : {}),
    ...(m.has("what") ? { what: m.get("what") } : {}),
    ...(m.has("why") ? { why: m.get("why") } : {}),
  };
}
