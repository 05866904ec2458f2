// A detector spike as the incidents stage receives it: a rumour spike on a hashtag, detected now,
// small enough to grade III or IV; tests override what they are about. And the figures of a grave one.
import type { IncidentFigures, Spike } from "../../src/domain";

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

/** Figures of a platform-wide burst: grade I or II under the default matrix. */
export const GRAVE_FIGURES: IncidentFigures = {
  flagged: 400,
  posts: 500,
  perMinute: 200,
  authors: 300,
  reach: 2_000_000,
  confidence: 20,
  growth: 10,
};
