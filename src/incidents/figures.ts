// Window reads behind an incident's figures and sparkline: the detector's now window and the
// window before it, for one key and category, straight from the window buckets in Redis.
import type { RedisClient } from "../redis/client";
import type { Category } from "../domain";
import type { IncidentKeys } from "./keys";
import { execChecked } from "../redis/client";

export interface WindowShape {
  bucketSeconds: number;
  /** Buckets in the now window (the detector's shortBuckets). */
  shortBuckets: number;
}

export interface WindowCounts {
  now: { flagged: number; posts: number; authors: number; reach: number };
  /** Flagged posts in the window just before the now window. */
  before: number;
  /** (bucket start ms, flagged) for each bucket of the now window. */
  buckets: [number, number][];
}

export async function readWindow(
  redis: RedisClient,
  keys: IncidentKeys,
  tag: string,
  field: string,
  shape: WindowShape,
  nowMs: number,
): Promise<WindowCounts> {
  const bs = shape.bucketSeconds;
  const current = Math.floor(nowMs / 1000 / bs) * bs;
  const n = shape.shortBuckets;
  const all = Array.from({ length: 2 * n }, (_, i) => current - (2 * n - 1 - i) * bs);
  const recent = all.slice(n);
  const pipe = redis.pipeline();
  for (const b of all) pipe.hmget(keys.bucket(tag, b), field, "posts", "reach");
  pipe.pfcount(...recent.map((b) => keys.authors(tag, b)));
  const r = await execChecked(pipe);
  const rows = all.map((_, i) => {
    const [err, v] = r[i] ?? [];
    if (err) throw err;
    return (v as (string | null)[]).map((x) => Number(x ?? 0));
  });
  const sum = (from: number, col: number) => rows.slice(from, from + n).reduce((s, row) => s + (row[col] ?? 0), 0);
  const [err, authors] = r[2 * n] ?? [];
  if (err) throw err;
  return {
    now: { flagged: sum(n, 0), posts: sum(n, 1), reach: sum(n, 2), authors: Number(authors ?? 0) },
    before: sum(0, 0),
    buckets: recent.map((b, i) => [b * 1000, rows[n + i]?.[0] ?? 0]),
  };
}

export const flaggedField = (c: Category) => `flagged:${c}`;
