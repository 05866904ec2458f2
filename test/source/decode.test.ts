import { describe, expect, it } from "vitest";
import { checkEventTime, decodePost, decodeReport, nestsDeeperThan } from "../../src/source/decode";
import { chunksBySize, type Rejected } from "../../src/source/deadletter";

const limits = { maxMessageBytes: 2000, maxTextBytes: 200 };
const good = {
  id: "p1",
  author: { id: "a1", followers: 5, accountAgeDays: 12.5, verified: false },
  text: "今天天气真好 #天气",
  lang: "zh",
  createdAt: "2026-11-26T10:00:00Z",
  hashtags: ["天气"],
  mentions: ["a2"],
  urls: ["https://example.com/x"],
  replyTo: "p0",
};
const bytes = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));

describe("decodePost", () => {
  it("accepts a post that follows the contract", () => {
    const d = decodePost(bytes(good), limits);
    expect(d).toEqual({ ok: true, value: good });
  });

  it.each([
    ["empty", Buffer.alloc(0), /no value/],
    ["too_large", bytes({ ...good, text: "x".repeat(3000) }), /> limit 2000/],
    ["invalid_utf8", Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), /UTF-8/],
    ["not_json", bytes('{"id": "p1",'), /JSON/],
    ["prototype_pollution", bytes('{"__proto__": {"admin": true}}'), /__proto__/],
    ["prototype_pollution", bytes('{"constructor": {"prototype": {"x": 1}}}'), /__proto__/],
    ["schema", bytes({ ...good, author: { id: "a1" } }), /\/author must have required property 'followers'/],
    ["schema", bytes({ ...good, extra: 1 }), /additional properties "extra"/],
    ["schema", bytes({ ...good, createdAt: "yesterday" }), /\/createdAt must match format "date-time"/],
    ["schema", bytes({ ...good, author: { ...good.author, followers: 1e300 } }), /\/author\/followers must be <=/],
    ["schema", bytes([1, 2, 3]), /must be object/],
    ["text_too_long", bytes({ ...good, text: "好".repeat(100) }), /300 bytes > limit 200/],
  ])("rejects %s with a clear reason", (reason, input, detail) => {
    const d = decodePost(input, limits);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toBe(reason);
      expect(d.detail).toMatch(detail);
    }
  });

  it("never throws and never pollutes Object.prototype on arbitrary bytes", () => {
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(Array.from({ length: (i % 64) + 1 }, (_, j) => (i * 31 + j * 17) % 256));
      expect(() => decodePost(buf, limits)).not.toThrow();
    }
    decodePost(bytes('{"__proto__": {"polluted": true}}'), limits);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("decodeReport", () => {
  const report = { id: "r1", reporterId: "u1", postId: "p1", reason: "abuse", createdAt: "2026-11-26T10:00:00Z" };
  it("accepts a report and rejects an unknown reason", () => {
    expect(decodeReport(bytes(report), limits).ok).toBe(true);
    const d = decodeReport(bytes({ ...report, reason: "boring" }), limits);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toBe("schema");
  });
});

describe("nesting", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);

  it("refuses a value nested past 32 levels before parsing it", () => {
    const d = decodePost(Buffer.from(deep(20_000)), { ...limits, maxMessageBytes: 100_000 });
    expect(d).toMatchObject({ ok: false, reason: "schema", detail: "value nests deeper than 32 levels" });
    expect(nestsDeeperThan(Buffer.from(deep(33)), 32)).toBe(true);
    expect(nestsDeeperThan(Buffer.from(deep(32)), 32)).toBe(false);
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = `[[[ {{{ \\" ]]] ${"[".repeat(100)}`;
    const d = decodePost(bytes({ ...good, text }), { ...limits, maxMessageBytes: 100_000, maxTextBytes: 10_000 });
    expect(d).toMatchObject({ ok: true, value: { text } });
  });
});

describe("dead-letter chunks", () => {
  const rejected = (valueBytes: number, i: number): Rejected => ({
    topic: "posts",
    partition: 0,
    offset: String(i),
    key: null,
    value: Buffer.alloc(valueBytes),
    reason: "too_large",
    detail: "",
  });

  it("splits a storm of large rejects into requests under the limit, in order, losing none", () => {
    const all = Array.from({ length: 55 }, (_, i) => rejected(64 * 1024, i));
    const chunks = [...chunksBySize(all)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.reduce((s, r) => s + (r.value?.length ?? 0), 0)).toBeLessThanOrEqual(512 * 1024);
    expect(chunks.flat().map((r) => r.offset)).toEqual(all.map((r) => r.offset));
  });

  it("sends one oversized reject alone rather than never", () => {
    expect([...chunksBySize([rejected(600 * 1024, 0), rejected(10, 1)])].map((c) => c.length)).toEqual([1, 1]);
  });
});

describe("checkEventTime", () => {
  const broker = Date.parse("2026-11-26T10:00:00Z");
  const bounds = { maxFutureSkewMs: 300_000, maxAgeMs: 7_200_000 };
  it("accepts createdAt within the skew ahead and the retention behind the broker's timestamp", () => {
    for (const at of ["2026-11-26T10:05:00Z", "2026-11-26T10:00:00Z", "2026-11-26T08:00:00Z"])
      expect(checkEventTime(at, broker, bounds)).toEqual({ ok: true, value: Date.parse(at) });
  });

  it.each([
    ["2026-11-26T10:05:00.001Z", /ahead of the broker's timestamp 2026-11-26T10:00:00.000Z/],
    ["9999-12-31T23:59:59Z", /9999-12-31T23:59:59Z is more than 300 s ahead/],
    ["2026-11-26T07:59:59.999Z", /more than 7200 s \(the retention\) before/],
    ["0001-01-01T00:00:00Z", /0001-01-01T00:00:00Z is more than 7200 s/],
    ["2016-12-31T23:59:60Z", /not a readable time/],
  ])("rejects %s as time_out_of_range, naming the value", (at, detail) => {
    const d = checkEventTime(at, broker, bounds);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toBe("time_out_of_range");
      expect(d.detail).toMatch(detail);
    }
  });
});
