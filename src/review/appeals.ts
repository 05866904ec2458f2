// Appeals: an author contests a decision. An appeal is checked against the recorded decision
// (it must exist, have acted on that author, and not be appealed already) and queued in the
// appeals queue, worked by a group other than the deciders, never by the moderator who decided
// (lua/appeal-4.lua). Upholding or overturning it is a decision like the others (decide-4.lua):
// an overturn publishes a `reverse` action through the same outbox, so exactly once.
import { createHash } from "node:crypto";
import {
  APPEAL_DECISIONS,
  type Appeal,
  type AppealRejectReason,
  type DecisionKind,
  type ModerationAction,
  type ReviewAppeal,
  type ReviewItem,
} from "../domain";
import { badRequest } from "../errors";
import { parseItem, priority } from "./items";
import type { ReviewKeys } from "./keys";
import type { ReviewClient } from "./scripts";

/** Why an appeal was refused: the dead-letter reason (appeals topic) or the HTTP error (API). */
export type AppealRefusal = AppealRejectReason;

export type AppealOutcome =
  /** `duplicate`: this very appeal was already queued (a redelivery or a retry); nothing changed. */
  { ok: true; item: ReviewItem; duplicate: boolean } | { ok: false; reason: AppealRefusal; detail: string };

/** Decisions that acted on nobody, or on an appeal: nothing for an author to contest. */
const NOT_APPEALABLE = new Set<string>(["dismiss", "escalate", "uphold", "reverse"]);

/** Appeals are grade III (general): their SLA is incidents.slaMinutes.III. */
export const APPEAL_GRADE = 3;

const SAFE_ID = /^[\w.:-]{1,100}$/;
export const appealItemId = (appealId: string) =>
  `appeal:${SAFE_ID.test(appealId) ? appealId : "h." + createHash("sha1").update(appealId).digest("hex").slice(0, 20)}`;

/** What makes two appeals with one id the same appeal (the time it was filed may differ on a retry). */
const fingerprint = (a: Appeal) =>
  createHash("sha256")
    .update(JSON.stringify([a.decisionId, a.accountId, a.reason]))
    .digest("base64url");

export interface FileAppealOptions {
  redis: ReviewClient;
  keys: ReviewKeys;
  now: number;
  dueAt: number;
}

/** Checks and queues one appeal; never throws for a bad appeal (the outcome says why). */
export async function fileAppeal(o: FileAppealOptions, appeal: Appeal, filedBy: string): Promise<AppealOutcome> {
  const raw = await o.redis.hget(o.keys.reviewDecisions(), appeal.decisionId);
  if (raw === null)
    return {
      ok: false,
      reason: "appeal_unknown_decision",
      detail: `decision ${appeal.decisionId} is not a decision modstream recorded`,
    };
  const original = JSON.parse(raw) as ModerationAction;
  if (NOT_APPEALABLE.has(original.action))
    return {
      ok: false,
      reason: "appeal_invalid",
      detail: `decision ${appeal.decisionId} (${original.action}) took no action against an author`,
    };
  if (original.accountId !== appeal.accountId)
    return {
      ok: false,
      reason: "appeal_invalid",
      detail: `account ${appeal.accountId} is not the author decision ${appeal.decisionId} acted on`,
    };
  const itemId = appealItemId(appeal.id);
  const item: Omit<ReviewItem, "state"> = {
    id: itemId,
    kind: "appeal",
    queue: "appeals",
    grade: APPEAL_GRADE,
    reason: `appeal of ${original.action} by ${original.moderator}`,
    enqueuedAt: o.now,
    dueAt: o.dueAt,
    ...(original.incidentId ? { incidentId: original.incidentId } : {}),
    ...(await contestedPost(o, original)),
    appeal: { ...appeal, original, filedBy } satisfies ReviewAppeal,
  };
  const [status, other] = await o.redis.reviewAppeal(
    o.keys.reviewItemPrefix() + itemId,
    o.keys.reviewQueue("appeals"),
    o.keys.reviewAppeals(),
    o.keys.reviewAudit(),
    appeal.id,
    appeal.decisionId,
    fingerprint(appeal),
    itemId,
    priority(APPEAL_GRADE, o.dueAt),
    JSON.stringify(item),
    o.now,
    o.keys.reviewAuditPrefix(),
    original.moderator,
    filedBy,
    original.incidentId ?? "",
    `appeal of ${appeal.decisionId} (${original.action}) by ${appeal.accountId}`,
    appeal.reason,
  );
  switch (status) {
    case "duplicate_id":
      return {
        ok: false,
        reason: "appeal_duplicate",
        detail: `appeal ${appeal.id} was already filed with other content`,
      };
    case "duplicate_decision":
      return {
        ok: false,
        reason: "appeal_duplicate",
        detail: `decision ${appeal.decisionId} is already appealed (appeal ${other})`,
      };
    case "same":
      return { ok: true, item: parseItem(await o.redis.hgetall(o.keys.reviewItemPrefix() + itemId)), duplicate: true };
    default:
      return { ok: true, item: { ...item, state: "queued" }, duplicate: false };
  }
}

/** The contested post as the moderators saw it, when its item still holds that very post. */
async function contestedPost(o: FileAppealOptions, a: ModerationAction): Promise<Pick<ReviewItem, "post">> {
  if (!a.postId) return {};
  const data = await o.redis.hget(o.keys.reviewItemPrefix() + a.itemId, "data");
  const post = data ? (JSON.parse(data) as Omit<ReviewItem, "state">).post : undefined;
  return post?.id === a.postId ? { post } : {};
}

/** Refuses a decision kind the item does not take: uphold/overturn/escalate on appeals only. */
export function checkAppealDecision(itemId: string, kind: DecisionKind): void {
  const isAppeal = itemId.startsWith("appeal:");
  if (isAppeal && !APPEAL_DECISIONS.includes(kind))
    throw badRequest(`an appeal is decided by ${APPEAL_DECISIONS.join(", ")}, not ${kind}`);
  if (!isAppeal && (kind === "uphold" || kind === "overturn")) throw badRequest(`${kind} decides appeals only`);
}

/**
 * The action fields of a decision on an appeal: the contested action's post and account (so the
 * platform knows whom it concerns), and for an overturn the `reverse` of that action.
 */
export function appealActionFields(kind: DecisionKind, appeal: ReviewAppeal) {
  const o = appeal.original;
  return {
    action: kind === "overturn" ? ("reverse" as const) : kind,
    postId: o.postId,
    accountId: o.accountId,
    extra:
      kind === "overturn"
        ? { reverses: o.decisionId, reversesAction: o.action, appealId: appeal.id }
        : { appealId: appeal.id },
  };
}
