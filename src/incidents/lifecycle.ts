// The incident lifecycle of the plan, as a pure transition table with the conditions of each move.
import type { IncidentState } from "../domain";

/**
 * open → assessing → responding → resolved → reviewed, plus the shortcuts the plan allows:
 * a false alarm can be resolved straight from open or assessing, and a resolved incident that
 * flares again within the cool-down is reopened (resolved → open). reviewed is final.
 */
export const TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = {
  open: ["assessing", "resolved"],
  assessing: ["responding", "resolved"],
  responding: ["resolved"],
  resolved: ["reviewed", "open"],
  reviewed: [],
};

export interface TransitionInput {
  from: IncidentState;
  to: IncidentState;
  /** Who owns the response; required to start responding (the working group's assignee). */
  assignee?: string;
  /** The written summary; required to mark an incident reviewed. */
  note?: string;
}

/** Why a transition is refused, or undefined when it is allowed. */
export function refuse(t: TransitionInput): string | undefined {
  if (!TRANSITIONS[t.from].includes(t.to)) return "not allowed";
  if (t.to === "responding" && !t.assignee) return "responding needs an assignee (--assignee)";
  if (t.to === "reviewed" && !t.note?.trim()) return "reviewed needs the review summary (--note)";
  return undefined;
}

export const isLive = (s: IncidentState) => s !== "resolved" && s !== "reviewed";
