// Reads of the review queues: one item, a page of a queue, the counts per queue, a moderator's
// claims. No changes here; queue.ts (ReviewService) adds the scripts that move items.
import type { RedisClient } from "../redis/client";
import { REVIEW_QUEUES, type ReviewItem, type ReviewQueue } from "../domain";
import { itemNotFound } from "../errors";
import { parseItem } from "./items";
import type { ReviewKeys } from "./keys";
import { withReviewScripts, type ReviewClient } from "./scripts";
import { execChecked } from "../redis/client";

export interface Claim {
  item: ReviewItem;
  lockToken: string;
}

export interface QueueCounts {
  queue: ReviewQueue;
  waiting: number;
  escalated: number;
  claimed: number;
  /** Earliest SLA deadline among waiting items, ms since epoch. */
  nextDueAt?: number;
}

export type Listing = "waiting" | "escalated" | "claimed";

export class ReviewReads {
  protected readonly redis: ReviewClient;

  constructor(
    redis: RedisClient,
    protected readonly keys: ReviewKeys,
  ) {
    this.redis = withReviewScripts(redis);
  }

  protected item(id: string): string {
    return this.keys.reviewItemPrefix() + id;
  }

  async get(itemId: string): Promise<ReviewItem> {
    const h = await this.redis.hgetall(this.item(itemId));
    if (!h.data) throw itemNotFound(itemId);
    return parseItem(h);
  }

  /** A page of one queue: waiting (in priority order), escalated, or claimed (by lease end). */
  async list(
    queue: ReviewQueue,
    which: Listing,
    offset = 0,
    limit = 50,
  ): Promise<{ items: ReviewItem[]; total: number }> {
    const key = which === "claimed" ? this.keys.reviewHeld(queue) : this.keys.reviewQueue(queue, which === "escalated");
    const [ids, total] = await Promise.all([
      this.redis.zrange(key, String(offset), String(offset + limit - 1)),
      this.redis.zcard(key),
    ]);
    return { items: await this.many(ids), total };
  }

  async many(ids: string[]): Promise<ReviewItem[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.item(id));
    const rows = await execChecked(pipe);
    return rows
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h.data)
      .map(parseItem);
  }

  async counts(): Promise<QueueCounts[]> {
    const pipe = this.redis.pipeline();
    for (const q of REVIEW_QUEUES) {
      pipe.zcard(this.keys.reviewQueue(q));
      pipe.zcard(this.keys.reviewQueue(q, true));
      pipe.zcard(this.keys.reviewHeld(q));
      pipe.zrange(this.keys.reviewQueue(q), "0", "0", "WITHSCORES");
    }
    const rows = (await execChecked(pipe)).map(([, v]) => v);
    return REVIEW_QUEUES.map((queue, i) => {
      const head = rows[i * 4 + 3] as string[];
      const score = head[1] === undefined ? undefined : Number(head[1]);
      return {
        queue,
        waiting: Number(rows[i * 4]),
        escalated: Number(rows[i * 4 + 1]),
        claimed: Number(rows[i * 4 + 2]),
        ...(score === undefined ? {} : { nextDueAt: score % 1e13 }),
      };
    });
  }

  /** The items a moderator holds, with their lock tokens (after a reload, or a lead's reassignment). */
  async mine(moderator: string): Promise<Claim[]> {
    const pipe = this.redis.pipeline();
    for (const q of REVIEW_QUEUES) pipe.zrange(this.keys.reviewHeld(q), "0", "999");
    const ids = (await execChecked(pipe)).flatMap(([, v]) => v as string[]);
    const out: Claim[] = [];
    const p2 = this.redis.pipeline();
    for (const id of ids) p2.hgetall(this.item(id));
    const rows = await execChecked(p2);
    rows.forEach(([, h]) => {
      const hash = h as Record<string, string>;
      if (hash.data && hash.holder === moderator && hash.token && hash.state === "claimed")
        out.push({ item: parseItem(hash), lockToken: hash.token });
    });
    return out;
  }
}
