// The grader: incident figures → grade I–IV. Pure; the matrix lives in the pipeline file.
import type { Grade, IncidentFigures, IncidentType } from "../domain";

export interface GradingMatrix {
  /** Points the type earns by itself. */
  typeSeverity: Record<IncidentType, number>;
  /** Ladders: a figure earns one point per threshold it reaches. */
  flagged: readonly number[];
  perMinute: readonly number[];
  authors: readonly number[];
  reach: readonly number[];
  confidence: readonly number[];
  growth: readonly number[];
  /** Fewest points for grades I, II and III; fewer than III is IV. */
  grades: { I: number; II: number; III: number };
}

/** The defaults of pipelines/default.yaml, for tests and callers without a pipeline file. */
export const DEFAULT_MATRIX: GradingMatrix = {
  typeSeverity: { rumour: 1, abuse: 1, attack: 1, data_leak: 2, technical: 0 },
  flagged: [10, 50, 250, 1000],
  perMinute: [20, 100, 500],
  authors: [5, 25, 100, 500],
  reach: [10_000, 100_000, 1_000_000],
  confidence: [6, 20],
  growth: [3, 10],
  grades: { I: 16, II: 11, III: 5 },
};

export interface GradeResult {
  grade: Grade;
  points: number;
  /** Points per factor, so the timeline shows why. */
  breakdown: Record<keyof IncidentFigures | "type", number>;
  /** Set when a floor (not the points) decided the grade, saying which. */
  floor?: string;
}

const FACTORS = ["flagged", "perMinute", "authors", "reach", "confidence", "growth"] as const;

/** Thresholds of a ladder the value reaches (NaN and negatives reach none). */
export function rungs(value: number, ladder: readonly number[]): number {
  let n = 0;
  for (const t of ladder) if (value >= t) n++;
  return n;
}

/**
 * Grades an incident from its figures.
 *
 * Why points on ladders rather than a weighted score: the plan's grades are described by scale
 * ("large-scale rumour", "a sizeable attack", "individual complaints"), and each figure is a
 * different face of scale — how much (volume), how fast (velocity), how many people (authors),
 * how far it can travel (reach), how sure the detector is (confidence) and whether it is
 * accelerating (growth). A ladder per figure lets a reviewer of the pipeline file say "500
 * authors is a major pile-on" in the figure's own unit, and summing rungs means no single figure
 * can make a grade on its own unless the matrix gives it enough rungs to.
 *
 * Invariants (pinned by property tests): every figure is monotone — more of any figure never
 * lowers the severity (never raises the grade number); the type adds a constant; technical
 * faults are grade IV whatever their figures, as the plan files system faults as routine
 * operations.
 */
export function grade(type: IncidentType, f: IncidentFigures, m: GradingMatrix = DEFAULT_MATRIX): GradeResult {
  const breakdown = { type: m.typeSeverity[type] } as GradeResult["breakdown"];
  let points = breakdown.type;
  for (const k of FACTORS) {
    breakdown[k] = rungs(f[k], m[k]);
    points += breakdown[k];
  }
  breakdown.posts = 0;
  if (type === "technical") return { grade: 4, points, breakdown };
  const g: Grade = points >= m.grades.I ? 1 : points >= m.grades.II ? 2 : points >= m.grades.III ? 3 : 4;
  return { grade: g, points, breakdown };
}

/** Figures from window counts: now window vs the window before, over `windowSeconds`. */
export function figuresOf(
  now: { flagged: number; posts: number; authors: number; reach: number },
  before: number,
  confidence: number,
  windowSeconds: number,
): IncidentFigures {
  return {
    ...now,
    perMinute: Math.round((now.flagged / Math.max(1, windowSeconds)) * 60 * 10) / 10,
    confidence,
    // A key with nothing before grows from "one post": a burst out of silence reads as growth.
    growth: Math.round((now.flagged / Math.max(1, before)) * 100) / 100,
  };
}
