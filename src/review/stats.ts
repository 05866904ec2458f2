// Read-only figures of the review queues, for the API's metrics (src/metrics reads them through
// src/http/run.ts; nothing here writes to Redis): per queue the items waiting, escalated and
// claimed, the oldest waiting item and the items past their SLA deadline by grade, the moderators
// holding claims; and, from the audit log, the claims, decisions and lease expiries since the last
// read with how long after its enqueueing each came.
import type { RedisClient } from "../redis/client";
import { REVIEW_QUEUES, type Grade, type ReviewItem, type ReviewQueue } from "../domain";
import type { ReviewKeys } from "./keys";
import { priority } from "./queue";

const GRADES: readonly Grade[] = [1, 2, 3, 4];
/** The largest deadline a score can carry: each grade owns the scores priority(g, 0 .. MAX_DUE). */
const MAX_DUE = 1e13 - 1;
/** Claimed items examined per queue (the claims of one queue's moderators; more is not a queue). */
const HELD_READ = 1000;
/** Audit entries read per call, at most; a longer backlog is read by the next calls. */
const AUDIT_PAGE = 1000;
const AUDIT_MAX = 20_000;

export interface QueueFigures {
  queue: ReviewQueue;
  waiting: number;
  escalated: number;
  claimed: number;
  /** When the oldest waiting or escalated item was queued (ms since epoch); absent when none waits. */
  oldestEnqueuedAt?: number;
  /** Undecided items (waiting, escalated or claimed) past their SLA deadline, by grade. */
  overdue: Record<Grade, number>;
}

export interface ReviewFigures {
  queues: QueueFigures[];
  /** Moderators holding at least one claim. */
  moderators: number;
}

export interface ReviewActivity {
  /** A claim, a final decision (escalations are not final), or a lease that ran out. */
  kind: "claim" | "decide" | "expire";
  queue: ReviewQueue;
  /** From the item's enqueueing (its `enqueuedAt`) to this event, ms. */
  sinceEnqueuedMs: number;
}

/** The audit entries that are activity (audit kinds are src/domain.ts `AuditKind`). */
const AUDIT_KINDS = new Map<string, ReviewActivity["kind"]>([
  ["claim", "claim"],
  ["decide", "decide"],
  ["lease_expired", "expire"],
]);

export class ReviewStats {
  private cursor: string | undefined;
  private reading: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: {
      redis: RedisClient;
      keys: ReviewKeys;
      now?: () => number;
    },
  ) {}

  private get redis() {
    return this.o.redis;
  }

  async figures(): Promise<ReviewFigures> {
    const now = (this.o.now ?? Date.now)();
    const queues = await Promise.all(REVIEW_QUEUES.map((q) => this.queueFigures(q, now)));
    const holders = new Set(queues.flatMap((q) => q.holders));
    return { queues: queues.map((q) => q.figures), moderators: holders.size };
  }

  private async queueFigures(queue: ReviewQueue, now: number) {
    const k = this.o.keys;
    const [waiting, escalated, held] = await Promise.all([
      this.waitingSet(k.reviewQueue(queue), now),
      this.waitingSet(k.reviewQueue(queue, true), now),
      this.heldSet(queue, now),
    ]);
    const heads = [...waiting.heads, ...escalated.heads];
    const enqueued = await Promise.all(heads.map((id) => this.enqueuedAt(id)));
    const times = enqueued.filter((t): t is number => t !== undefined);
    const overdue = {} as Record<Grade, number>;
    for (const g of GRADES) overdue[g] = waiting.overdue[g] + escalated.overdue[g] + held.overdue[g];
    const figures: QueueFigures = {
      queue,
      waiting: waiting.count,
      escalated: escalated.count,
      claimed: held.count,
      ...(times.length ? { oldestEnqueuedAt: Math.min(...times) } : {}),
      overdue,
    };
    return { figures, holders: held.holders };
  }

  /**
   * A sorted set of waiting items. Scores are grade * 1e13 + deadline (queue.ts `priority`), so
   * per grade the overdue items are one score range, and the range's first item, the earliest
   * deadline, is the grade's oldest (a grade's deadline is its enqueue time plus a fixed SLA).
   */
  private async waitingSet(key: string, now: number) {
    const [count, overdue, heads] = await Promise.all([
      this.redis.zcard(key),
      Promise.all(GRADES.map((g) => this.redis.zcount(key, priority(g, 0), `(${priority(g, now)}`))),
      Promise.all(
        GRADES.map((g) => this.redis.zrangebyscore(key, priority(g, 0), priority(g, MAX_DUE), "LIMIT", 0, 1)),
      ),
    ]);
    return { count, overdue: byGrade(overdue), heads: heads.flat() };
  }

  /** Claimed items, scored by lease end: their deadlines and holders are in the item hashes. */
  private async heldSet(queue: ReviewQueue, now: number) {
    const key = this.o.keys.reviewHeld(queue);
    const [count, ids] = await Promise.all([this.redis.zcard(key), this.redis.zrange(key, "0", String(HELD_READ - 1))]);
    const rows = await Promise.all(ids.map((id) => this.redis.hmget(this.itemKey(id), "score", "holder")));
    const overdue = byGrade([0, 0, 0, 0]);
    const holders: string[] = [];
    for (const [score, holder] of rows) {
      if (holder) holders.push(holder);
      const s = Number(score);
      const grade = Math.floor(s / 1e13) as Grade;
      if (score && s % 1e13 < now && grade in overdue) overdue[grade]++;
    }
    return { count, overdue, holders };
  }

  private itemKey(id: string): string {
    return this.o.keys.reviewItemPrefix() + id;
  }

  private async enqueuedAt(id: string): Promise<number | undefined> {
    const data = await this.redis.hget(this.itemKey(id), "data");
    return data ? (JSON.parse(data) as ReviewItem).enqueuedAt : undefined;
  }

  /**
   * Claims, final decisions and lease expiries recorded in the audit log since the last call. The
   * first call returns nothing and marks where the next one starts, so a restarted API does not
   * count the log again. Calls are served one after the other.
   */
  activity(): Promise<ReviewActivity[]> {
    const next = this.reading.then(() => this.readAudit());
    this.reading = next.catch(() => undefined);
    return next;
  }

  private async readAudit(): Promise<ReviewActivity[]> {
    const key = this.o.keys.reviewAudit();
    if (this.cursor === undefined) {
      const last = await this.redis.xrevrange(key, "+", "-", "COUNT", 1);
      this.cursor = last[0]?.[0] ?? "0-0";
      return [];
    }
    const out: ReviewActivity[] = [];
    for (let read = 0; read < AUDIT_MAX;) {
      const rows: [string, string[]][] = await this.redis.xrange(key, `(${this.cursor}`, "+", "COUNT", AUDIT_PAGE);
      const last = rows[rows.length - 1];
      if (!last) break;
      out.push(...(await this.resolve(rows)));
      this.cursor = last[0];
      read += rows.length;
      if (rows.length < AUDIT_PAGE) break;
    }
    return out;
  }

  /** Audit entries → activity, with each item's queue and enqueue time from its hash. */
  private async resolve(rows: [id: string, fields: string[]][]): Promise<ReviewActivity[]> {
    const entries = rows.flatMap(([, flat]) => {
      const f = fields(flat);
      const kind = AUDIT_KINDS.get(f.get("kind") ?? "");
      const itemId = f.get("itemId");
      const clientAt = f.get("clientAt") ?? "";
      return kind && itemId ? [{ kind, itemId, at: Number(clientAt), clientAt }] : [];
    });
    const ids = [...new Set(entries.map((e) => e.itemId))];
    const items = new Map(
      await Promise.all(
        ids.map(async (id) => {
          const [data, state, decidedAt] = await this.redis.hmget(this.itemKey(id), "data", "state", "decidedAt");
          return [id, { item: data ? (JSON.parse(data) as ReviewItem) : undefined, state, decidedAt }] as const;
        }),
      ),
    );
    const out: ReviewActivity[] = [];
    for (const e of entries) {
      const h = items.get(e.itemId);
      if (!h?.item) continue;
      // A decision is final when the item is decided by it: decide-4.lua writes the same `now` as
      // the entry's clientAt and the item's decidedAt. An escalation leaves the item undecided.
      if (e.kind === "decide" && (h.state !== "decided" || h.decidedAt !== e.clientAt)) continue;
      out.push({ kind: e.kind, queue: h.item.queue, sinceEnqueuedMs: Math.max(0, e.at - h.item.enqueuedAt) });
    }
    return out;
  }
}

function byGrade(counts: number[]): Record<Grade, number> {
  return { 1: counts[0] ?? 0, 2: counts[1] ?? 0, 3: counts[2] ?? 0, 4: counts[3] ?? 0 };
}

function fields(flat: string[]): Map<string, string> {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] ?? "", flat[i + 1] ?? "");
  return f;
}
