// Micro-batching: folds a batch's posts into one update per (key, time bucket), so Redis sees a
// few operations per key per batch instead of one per post. Pure.

export interface BucketUpdate {
  tag: string;
  bucketStart: number;
  counts: Map<string, number>;
  authors: Set<string>;
}

/** The start (epoch seconds) of the bucket `bucketMs` wide that holds `eventTimeMs`. */
export const bucketStartOf = (eventTimeMs: number, bucketMs: number) =>
  Math.floor(eventTimeMs / bucketMs) * (bucketMs / 1000);

export const bucketId = (tag: string, bucketStart: number) => `${tag}|${bucketStart}`;

export class BatchAggregate {
  private readonly buckets = new Map<string, BucketUpdate>();

  /**
   * @param guards after a crash, the offset each bucket already holds for this partition;
   *   a post at or below it is already counted there and is skipped for that bucket only.
   */
  constructor(
    private readonly bucketMs: number,
    private readonly guards?: ReadonlyMap<string, number>,
  ) {}

  bucketStart(eventTimeMs: number): number {
    return bucketStartOf(eventTimeMs, this.bucketMs);
  }

  add(
    tag: string,
    eventTimeMs: number,
    offset: number,
    counts: Readonly<Record<string, number>>,
    author: string,
  ): void {
    const start = this.bucketStart(eventTimeMs);
    const id = bucketId(tag, start);
    const guard = this.guards?.get(id);
    if (guard !== undefined && offset <= guard) return;
    let b = this.buckets.get(id);
    if (!b) {
      b = { tag, bucketStart: start, counts: new Map(), authors: new Set() };
      this.buckets.set(id, b);
    }
    for (const field in counts) {
      const inc = counts[field] ?? 0;
      if (inc !== 0) b.counts.set(field, (b.counts.get(field) ?? 0) + inc);
    }
    b.authors.add(author);
  }

  updates(): BucketUpdate[] {
    return [...this.buckets.values()];
  }
}
