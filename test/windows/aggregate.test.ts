import { describe, expect, it } from "vitest";
import { candidateRuns } from "../../src/windows/store";
import type { CandidateUpdate } from "../../src/windows/candidates";
import { BatchAggregate, bucketId } from "../../src/windows/aggregate";

describe("BatchAggregate", () => {
  it("folds posts into one update per key and bucket", () => {
    const agg = new BatchAggregate(10_000);
    agg.add("{k}", 10_000, 1, { posts: 1 }, "a");
    agg.add("{k}", 19_999, 2, { posts: 1, reach: 5 }, "b");
    agg.add("{k}", 20_000, 3, { posts: 1 }, "a");
    const u = agg.updates();
    expect(u.map((x) => [x.bucketStart, Object.fromEntries(x.counts), [...x.authors]])).toEqual([
      [10, { posts: 2, reach: 5 }, ["a", "b"]],
      [20, { posts: 1 }, ["a"]],
    ]);
  });

  it("skips posts a bucket already holds", () => {
    const agg = new BatchAggregate(10_000, new Map([[bucketId("{k}", 10), 5]]));
    for (let off = 1; off <= 8; off++) agg.add("{k}", 12_000, off, { posts: 1 }, "a");
    agg.add("{k}", 22_000, 2, { posts: 1 }, "a");
    expect(agg.updates().map((x) => [x.bucketStart, x.counts.get("posts")])).toEqual([
      [10, 3],
      [20, 1],
    ]);
  });
});

describe("candidate script runs", () => {
  const update = (kind: "hashtag" | "author", shard: number, bucketStart: number): CandidateUpdate => ({
    kind,
    shard,
    bucketStart,
    posts: new Map([["x", 1]]),
    flagged: { rumour: new Map(), abuse: new Map(), attack: new Map(), data_leak: new Map() },
  });
  const updates = Array.from({ length: 70 }, (_, i) => update(i % 2 ? "hashtag" : "author", i % 5, 10 * (i % 3)));

  it("carries up to 32 groups of any sub-sets per call on a single Redis", () => {
    expect(candidateRuns(updates, false).map((r) => r.length)).toEqual([32, 32, 6]);
  });

  it("carries one sub-set (one slot) per call on a Redis Cluster, all its buckets together", () => {
    const runs = candidateRuns(updates, true);
    expect(runs).toHaveLength(10);
    for (const run of runs) expect(new Set(run.map((u) => `${u.kind}|${u.shard}`)).size).toBe(1);
    expect(runs.flat()).toHaveLength(70);
  });
});
