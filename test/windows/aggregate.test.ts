import { describe, expect, it } from "vitest";
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
