// The bulk histogram exports exactly what prom-client's Histogram does for the same observations.
import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { BulkHistogram } from "../../src/metrics/bulk-histogram";

const buckets = [0.05, 0.1, 0.5, 0.9, 0.95];

describe("BulkHistogram", () => {
  it("matches prom-client's Histogram output", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.constantFrom(0, 0.05, 0.1, 0.3, 0.95, 1, 2)), {
          maxLength: 200,
        }),
        async (obs) => {
          const [mine, theirs] = [new Registry(), new Registry()];
          const bulk = new BulkHistogram({ name: "h", help: "h", labelNames: ["k"], buckets, registers: [mine] });
          const ref = new Histogram({ name: "h", help: "h", labelNames: ["k"], buckets, registers: [theirs] });
          for (const k of ["a", "b"]) {
            bulk.labels({ k });
            ref.zero({ k });
          }
          for (const [k, v] of obs) {
            bulk.labels({ k }).observe(v);
            ref.observe({ k }, v);
          }
          expect(await mine.metrics()).toBe(await theirs.metrics());
        },
      ),
      { numRuns: 50 },
    );
  });
});
