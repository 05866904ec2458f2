import { describe, expect, it } from "vitest";
import { SpaceSaving } from "../../src/windows/heavy";
import { mulberry32 } from "../../src/random";

describe("Space-Saving sketch", () => {
  it("never undercounts a key, and overcounts by at most total / capacity", () => {
    const s = new SpaceSaving(50);
    const rand = mulberry32(3);
    const truth = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < 20_000; i++) {
      // A few heavy keys in a long tail of one-off keys.
      const key = rand() < 0.3 ? `heavy${Math.floor(rand() * 5)}` : `tail${i}`;
      const w = 1 + Math.floor(rand() * 4);
      s.offer(key, w);
      truth.set(key, (truth.get(key) ?? 0) + w);
      total += w;
    }
    expect(s.size).toBe(50);
    for (let h = 0; h < 5; h++) {
      const key = `heavy${h}`;
      expect(s.estimate(key)).toBeGreaterThanOrEqual(truth.get(key) ?? 0);
      expect(s.estimate(key) - (truth.get(key) ?? 0)).toBeLessThanOrEqual(total / 50);
    }
  });

  it("evicts the smallest count and lets old weight fade", () => {
    const s = new SpaceSaving(2);
    s.offer("a", 5);
    s.offer("b", 1);
    expect(s.offer("c", 1)).toBe(2); // took b's place, from b's count
    expect(s.estimate("b")).toBe(0);
    expect(s.estimate("a")).toBe(5);
    s.decay();
    expect(s.estimate("a")).toBe(2);
    expect(s.estimate("c")).toBe(1);
    s.decay();
    expect(s.estimate("c")).toBe(0);
    expect(s.size).toBe(1);
    expect(() => new SpaceSaving(0)).toThrow(/positive integer/);
  });
});
