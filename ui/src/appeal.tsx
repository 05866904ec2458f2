// An appeal in the appeals queue: the author's words and the decision they contest. The author's
// reason and the original decision's reason are untrusted text: JSX children only.
import type { ReviewItem } from "./api";

export const APPEAL_DECISIONS: { kind: string; key: string; label: string }[] = [
  { kind: "uphold", key: "h", label: "Uphold (the decision stands)" },
  { kind: "overturn", key: "o", label: "Overturn (reverse the action)" },
  { kind: "escalate", key: "e", label: "Escalate to lead" },
];

export function AppealView({ appeal }: { appeal: NonNullable<ReviewItem["appeal"]> }) {
  const o = appeal.original;
  return (
    <div class="appeal" data-testid="appeal">
      <div>
        <strong>Appeal</strong> by @{appeal.accountId}
        {appeal.filedBy === "kafka" ? "" : ` (filed by ${appeal.filedBy})`}
      </div>
      <blockquote data-testid="appeal-reason">{appeal.reason}</blockquote>
      <div data-testid="appeal-original">
        Contests <strong>{o.action}</strong> by {o.moderator}
        {o.postId ? ` on post ${o.postId}` : ""}: “{o.reason}”
      </div>
      <div class="counts">decision {o.decisionId}</div>
    </div>
  );
}
