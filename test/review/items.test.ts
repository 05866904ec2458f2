// The claim's JSON text (built from the item's stored JSON without parsing it) says exactly what
// parsing the item and serialising it would: for any item, holder, lease and escalation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { claimJson, parseItem } from "../../src/review/items";

const text = fc.string({ unit: "grapheme", maxLength: 40 });
const item = fc.record(
  {
    id: text,
    kind: fc.constantFrom("incident", "post"),
    queue: fc.constantFrom("rumour", "abuse"),
    grade: fc.integer({ min: 1, max: 4 }),
    reason: text,
    enqueuedAt: fc.nat(),
    dueAt: fc.nat(),
    incidentId: text,
    post: fc.record({
      id: text,
      authorId: text,
      followers: fc.nat(),
      text,
      top: fc.array(fc.record({ feature: text, weight: fc.double({ noNaN: true, noDefaultInfinity: true }) })),
    }),
  },
  { requiredKeys: ["id", "kind", "queue", "grade", "reason", "enqueuedAt", "dueAt"] },
);
const hash = fc.record(
  {
    data: item.map((i) => JSON.stringify(i)),
    state: fc.constantFrom("queued", "claimed", "decided"),
    holder: text,
    token: text,
    leaseUntil: fc.nat().map(String),
    escalated: fc.constantFrom("1", "0"),
    score: fc.nat().map(String),
  },
  { requiredKeys: ["data"] },
);

describe("claim JSON", () => {
  it("parses to the claim that parseItem gives", () => {
    fc.assert(
      fc.property(hash, text, (h, lockToken) => {
        expect(JSON.parse(claimJson(h, lockToken))).toEqual({ item: parseItem(h), lockToken });
      }),
    );
  });
});
