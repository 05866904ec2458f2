// One decision, many posts: a decision on a group of near-duplicate copies applies to every post
// in the group, and a decision on an incident to the posts and accounts of its evidence. Each
// derived action has its own decision id (the decision's id and what it acts on), so it is
// recorded, published and audited exactly once however often the decision is retried.
import type { ModerationAction } from "../domain";
import type { ReviewKeys } from "./keys";
import type { ReviewClient } from "./scripts";

/** A post and its author that a decision may act on. */
export interface Target {
  postId: string;
  accountId: string;
}

export interface Derived {
  decisionId: string;
  json: string;
  what: string;
}

/**
 * The actions a decision implies beyond its own: one per other post (post actions: remove,
 * label) or one per other account (account actions: warn, suspend). Kinds that act on neither
 * (dismiss, escalate) imply nothing.
 */
export function derivedActions(base: ModerationAction, targets: readonly Target[], actsOn: string): Derived[] {
  const out: Derived[] = [];
  if (actsOn === "post") {
    const seen = new Set([base.postId]);
    for (const t of targets) {
      if (seen.has(t.postId)) continue;
      seen.add(t.postId);
      const a: ModerationAction = {
        ...base,
        decisionId: `${base.decisionId}/post:${t.postId}`,
        postId: t.postId,
        accountId: t.accountId,
      };
      out.push({ decisionId: a.decisionId, json: JSON.stringify(a), what: `${a.action} post ${t.postId}` });
    }
  } else if (actsOn === "account") {
    const seen = new Set([base.accountId]);
    for (const t of targets) {
      if (seen.has(t.accountId)) continue;
      seen.add(t.accountId);
      const rest: ModerationAction = { ...base };
      delete rest.postId;
      const a: ModerationAction = {
        ...rest,
        decisionId: `${base.decisionId}/account:${t.accountId}`,
        accountId: t.accountId,
      };
      out.push({ decisionId: a.decisionId, json: JSON.stringify(a), what: `${a.action} account ${t.accountId}` });
    }
  }
  return out;
}

/** Records, queues and audits the derived actions (lua/fanout-3.lua); returns how many were new. */
export async function fanOut(
  redis: ReviewClient,
  keys: ReviewKeys,
  base: ModerationAction,
  more: readonly Derived[],
  now: number,
): Promise<number> {
  if (base.action === "escalate" || more.length === 0) return 0;
  return redis.reviewFanout(
    keys.reviewDecisions(),
    keys.reviewOutbox(),
    keys.reviewAudit(),
    keys.reviewAuditPrefix(),
    now,
    base.moderator,
    base.itemId,
    base.incidentId ?? "",
    base.reason,
    ...more.flatMap((m) => [m.decisionId, m.json, m.what]),
  );
}
