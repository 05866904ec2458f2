// A detector spike as the incidents stage receives it: a rumour spike on a hashtag, detected now,
// small enough to grade III or IV; tests override what they are about.
import type { Spike } from "../../src/domain";

export function testSpike(key: string, over: Partial<Spike> = {}, now = Date.now()): Spike {
  return {
    type: "rumour",
    category: "rumour",
    kind: "hashtag",
    key,
    evidence: 8,
    flagged: 12,
    posts: 14,
    authors: 12,
    expected: 0.5,
    reason: "test",
    windowStart: now - 30_000,
    detectedAt: now,
    ...over,
  };
}
