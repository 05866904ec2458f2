// The review queues: one per working group, items in priority order (grade, then SLA deadline,
// then age), claimed with a lock token under a lease, decided once per decision id. Every change
// is one Lua script (lua/*.lua) that also appends the audit log; decisions land in the outbox
// that publisher.ts sends to Kafka.
import type { RedisClient } from "../redis/client";
import {
  REVIEW_QUEUES,
  type DecisionKind,
  type Grade,
  type Incident,
  type Appeal,
  type ModerationAction,
  type ReviewItem,
  type ReviewPost,
  type ReviewQueue,
  type Role,
  ROMAN,
} from "../domain";
import { badRequest, decisionConflict, itemNotFound, lockNotHeld, ownDecision } from "../errors";
import type { Events } from "../events";
import { AuditLog } from "./audit";
import { claimJson, hashOf, incidentItemId, lockOutcome, parseItem, postItemId, priority } from "./items";
import { ReviewReads, type Claim } from "./reads";
import { derivedActions, fanOut, type Target } from "./fanout";
import {
  APPEAL_GRADE,
  appealActionFields,
  appealItemId,
  checkAppealDecision,
  fileAppeal,
  type AppealOutcome,
} from "./appeals";

export { incidentItemId, postItemId, priority } from "./items";
export type { Claim, Listing, QueueCounts } from "./reads";
import { newLockToken } from "./lock-tokens";
import type { ReviewKeys } from "./keys";

export interface ReviewServiceOptions {
  redis: RedisClient;
  keys: ReviewKeys;
  events: Events;
  /** Response-time targets per grade (the pipeline file's incidents.slaMinutes). */
  slaMinutes: { I: number; II: number; III: number; IV: number };
  leaseSeconds: number;
  /** A new single post is shed when its queue already holds this many waiting items (0: never). */
  maxWaiting?: number;
  /** The posts and accounts of an incident's evidence, so a decision on the incident acts on them. */
  evidenceOf?: (incidentId: string) => Promise<Target[]>;
  /** How long a near-duplicate group keeps collecting copies (s). */
  groupTtlSeconds?: number;
  now?: () => number;
}

export interface DecideInput {
  itemId: string;
  lockToken: string;
  moderator: string;
  decisionId: string;
  kind: DecisionKind;
  reason: string;
  postId?: string;
  accountId?: string;
  rebuttal?: string;
}

/** Entries the shed stream keeps (the newest, approximately). */
const SHED_KEPT = 10_000;

const POST_ACTIONS: ReadonlySet<DecisionKind> = new Set(["remove_post", "label_rumour"]);
const ACCOUNT_ACTIONS: ReadonlySet<DecisionKind> = new Set(["warn_author", "suspend_author"]);

export class ReviewService extends ReviewReads {
  readonly audit: AuditLog;
  private readonly now: () => number;
  private readonly pending = new Map<string, string>();
  // decide-4.lua names an item's held set and lead queue from these and the item's queue.
  private readonly heldPrefix: string;
  private readonly leadPrefix: string;

  constructor(private readonly o: ReviewServiceOptions) {
    super(o.redis, o.keys);
    this.heldPrefix = o.keys.reviewHeld("");
    this.leadPrefix = o.keys.reviewQueue("", true);
    for (const q of REVIEW_QUEUES)
      if (o.keys.reviewHeld(q) !== this.heldPrefix + q || o.keys.reviewQueue(q, true) !== this.leadPrefix + q)
        throw new Error("review keys: a queue's held set and lead queue must end with the queue name");
    this.audit = new AuditLog(this.redis, o.keys);
    this.now = o.now ?? Date.now;
  }

  get leaseMs(): number {
    return this.o.leaseSeconds * 1000;
  }

  private changed(
    kind: "enqueue" | "shed" | "claim" | "decide" | "release" | "expire" | "reassign",
    queue: string,
    decision?: string,
  ) {
    this.o.events.emit("review", { kind, queue, decision });
    // Live updates for every API server (server-sent events). Changes are hints, so a burst is
    // published once per queue per 100 ms; losing one only delays a refresh.
    if (this.pending.has(queue)) return;
    this.pending.set(queue, kind);
    setTimeout(() => {
      const k = this.pending.get(queue);
      this.pending.delete(queue);
      this.redis.publish(this.o.keys.reviewChannel(), JSON.stringify({ kind: k, queue })).catch(() => undefined);
    }, 100).unref();
  }

  dueAt(grade: Grade, from: number): number {
    return from + this.o.slaMinutes[ROMAN[grade]] * 60_000;
  }

  /** Queues an incident (or refreshes its grade and deadline); decided incidents stay decided. */
  async enqueueIncident(inc: Incident): Promise<number> {
    const queue = inc.type;
    const item: Omit<ReviewItem, "state"> = {
      id: incidentItemId(inc.id),
      kind: "incident",
      queue,
      grade: inc.grade,
      reason: `${inc.type} incident on ${inc.kind} "${inc.key}"`,
      enqueuedAt: inc.openedAt,
      dueAt: this.dueAt(inc.grade, inc.openedAt),
      incidentId: inc.id,
    };
    return this.enqueue(item);
  }

  /**
   * Queues one post (high-confidence flag or user reports); grade III (general) unless told.
   * Replies 3 (shed) instead when the queue already holds `maxWaiting` items.
   */
  async enqueuePost(p: {
    post: ReviewPost;
    queue: ReviewQueue;
    reason: string;
    grade?: Grade;
    at?: number;
    /** The post's MinHash band keys: copies sharing one join the waiting item of the first (replies 0). */
    bands?: readonly string[];
  }) {
    const at = p.at ?? this.now();
    const grade = p.grade ?? 3;
    const bands = p.bands ?? [];
    if (bands.length && (await this.group(p.post, bands, ""))) {
      this.changed("enqueue", p.queue);
      return 0;
    }
    const r = await this.enqueue({
      id: postItemId(p.post.id),
      kind: "post",
      queue: p.queue,
      grade,
      reason: p.reason,
      enqueuedAt: at,
      dueAt: this.dueAt(grade, at),
      post: p.post,
    });
    if (r === 1 && bands.length) await this.group(p.post, bands, postItemId(p.post.id));
    return r;
  }

  /**
   * Reports against a harmful post raise its waiting item to the grade of the incident they
   * opened (never lower it); replies whether it was raised.
   */
  async raisePost(postId: string, grade: Grade, reason: string): Promise<boolean> {
    const item = await this.get(postItemId(postId)).catch(() => undefined);
    if (!item || item.state === "decided" || item.grade <= grade) return false;
    const data: Omit<ReviewItem, "state"> = {
      id: item.id,
      kind: item.kind,
      queue: item.queue,
      grade,
      reason,
      enqueuedAt: item.enqueuedAt,
      dueAt: this.dueAt(grade, item.enqueuedAt),
      ...(item.incidentId ? { incidentId: item.incidentId } : {}),
      ...(item.post ? { post: item.post } : {}),
    };
    return (await this.enqueue(data)) === 2;
  }

  /** Joins the post to the waiting group of one of its bands, or (`start`) starts that item's group. */
  private async group(post: ReviewPost, bands: readonly string[], start: string): Promise<boolean> {
    const [inGroup] = await this.redis.reviewGroupAdd(
      this.o.keys.reviewGroups(),
      this.o.keys.reviewItemPrefix(),
      this.o.keys.reviewGroupPrefix(),
      post.id,
      post.authorId,
      this.o.groupTtlSeconds ?? 3600,
      start,
      ...bands,
    );
    return inGroup === 1;
  }

  private async enqueue(item: Omit<ReviewItem, "state">): Promise<number> {
    const r = await this.redis.reviewEnqueue(
      this.item(item.id),
      this.o.keys.reviewQueue(item.queue),
      this.o.keys.reviewAudit(),
      this.o.keys.reviewShed(),
      item.id,
      priority(item.grade, item.dueAt),
      JSON.stringify(item),
      this.now(),
      this.o.keys.reviewAuditPrefix(),
      item.incidentId ?? "",
      item.reason,
      this.o.maxWaiting ?? 0,
      SHED_KEPT,
    );
    if (r === 1) this.changed("enqueue", item.queue);
    if (r === 3) this.o.events.emit("review", { kind: "shed", queue: item.queue });
    return r;
  }

  /**
   * Queues an author's appeal of a decision in the appeals queue (src/review/appeals.ts); a bad
   * appeal is refused with a reason, the same appeal again changes nothing (`duplicate`).
   */
  async fileAppeal(appeal: Appeal, filedBy: string): Promise<AppealOutcome> {
    const now = this.now();
    const r = await fileAppeal(
      { redis: this.redis, keys: this.o.keys, now, dueAt: this.dueAt(APPEAL_GRADE, now) },
      appeal,
      filedBy,
    );
    if (r.ok && !r.duplicate) this.changed("enqueue", "appeals");
    return r;
  }

  /** An appeal's queue item and, once decided, the decision on it (uphold or the reversal). */
  async appeal(appealId: string): Promise<{ item: ReviewItem; decision?: ModerationAction }> {
    const itemId = appealItemId(appealId);
    const [item, decisionId] = await Promise.all([this.get(itemId), this.redis.hget(this.item(itemId), "decision")]);
    const raw = decisionId ? await this.redis.hget(this.o.keys.reviewDecisions(), decisionId) : null;
    return { item, ...(raw ? { decision: JSON.parse(raw) as ModerationAction } : {}) };
  }

  /** The next item of a queue, leased to the moderator; null when nothing waits. */
  async claimNext(queue: ReviewQueue, moderator: string, role: Role): Promise<Claim | null> {
    const c = await this.claim(queue, moderator, role);
    return c && { item: parseItem(c.hash), lockToken: c.lockToken };
  }

  /**
   * claimNext as the API answers it, JSON text: the item's stored JSON with its claim fields,
   * rather than parsed and serialised again on every claim.
   */
  async claimNextJson(queue: ReviewQueue, moderator: string, role: Role): Promise<string> {
    const c = await this.claim(queue, moderator, role);
    return c ? claimJson(c.hash, c.lockToken) : "null";
  }

  private async claim(queue: ReviewQueue, moderator: string, role: Role) {
    const lockToken = newLockToken();
    const r = await this.redis.reviewClaim(
      this.o.keys.reviewQueue(queue),
      this.o.keys.reviewQueue(queue, true),
      this.o.keys.reviewHeld(queue),
      this.o.keys.reviewAudit(),
      this.now(),
      this.leaseMs,
      moderator,
      lockToken,
      role === "moderator" ? "0" : "1",
      this.o.keys.reviewItemPrefix(),
      this.o.keys.reviewAuditPrefix(),
    );
    if (!r) return null;
    this.changed("claim", queue);
    return { hash: hashOf(r.slice(1)), lockToken };
  }

  async renew(itemId: string, lockToken: string, moderator: string): Promise<number> {
    const r = await this.releaseOrRenew(itemId, lockToken, moderator, "renew");
    return Number(r);
  }

  async release(itemId: string, lockToken: string, moderator: string): Promise<void> {
    await this.releaseOrRenew(itemId, lockToken, moderator, "release");
  }

  private async releaseOrRenew(itemId: string, token: string, actor: string, mode: "release" | "renew") {
    const item = await this.get(itemId);
    const r = await this.redis.reviewRelease(
      this.item(itemId),
      this.o.keys.reviewHeld(item.queue),
      this.o.keys.reviewQueue(item.queue),
      this.o.keys.reviewQueue(item.queue, true),
      this.o.keys.reviewAudit(),
      itemId,
      token,
      actor,
      this.now(),
      this.o.keys.reviewAuditPrefix(),
      mode,
      this.leaseMs,
    );
    lockOutcome(itemId, r);
    if (mode === "release") this.changed("release", item.queue);
    return r;
  }

  /** A lead hands an item to a moderator; the new holder finds the lock token in `mine`. */
  async reassign(itemId: string, to: string, lead: string, why = ""): Promise<Claim> {
    const item = await this.get(itemId);
    const lockToken = newLockToken();
    const r = await this.redis.reviewReassign(
      this.item(itemId),
      this.o.keys.reviewHeld(item.queue),
      this.o.keys.reviewQueue(item.queue),
      this.o.keys.reviewQueue(item.queue, true),
      this.o.keys.reviewAudit(),
      itemId,
      to,
      lockToken,
      this.now(),
      this.leaseMs,
      lead,
      this.o.keys.reviewAuditPrefix(),
      why,
    );
    if (r === "missing") throw itemNotFound(itemId);
    if (r === "decided") throw lockNotHeld(itemId, "already decided");
    if (r === "own_decision") throw ownDecision(itemId);
    this.changed("reassign", item.queue);
    return { item: await this.get(itemId), lockToken };
  }

  /**
   * Decides a claimed item. The same decision id always yields the same action, published once:
   * a retry after a timeout returns the recorded action instead of deciding twice. One script
   * reads the item, checks the decision fits it and the lock, and records it (decide-4.lua).
   */
  async decide(input: DecideInput): Promise<{ action: ModerationAction; duplicate: boolean }> {
    const at = this.now();
    checkAppealDecision(input.itemId, input.kind);
    const actsOn = POST_ACTIONS.has(input.kind) ? "post" : ACCOUNT_ACTIONS.has(input.kind) ? "account" : "";
    const targets = actsOn ? await this.targets(input.itemId) : [];
    // On an incident with no post or account named, the decision acts on its evidence.
    const first = targets[0];
    // On an appeal, the contested action's post and account; an overturn is its `reverse`.
    const appeal = input.itemId.startsWith("appeal:") ? (await this.get(input.itemId)).appeal : undefined;
    const onAppeal = appeal && appealActionFields(input.kind, appeal);
    const d = onAppeal
      ? { ...input, postId: onAppeal.postId, accountId: onAppeal.accountId }
      : first && input.itemId.startsWith("inc:") && !input.postId && !input.accountId
        ? { ...input, postId: first.postId, accountId: first.accountId }
        : input;
    // The action's JSON around the fields the script takes from the item (queue, incident, post,
    // account), in ModerationAction's field order.
    const action = onAppeal?.action ?? d.kind;
    const head = JSON.stringify({ decisionId: d.decisionId, action, itemId: d.itemId }).slice(0, -1);
    const rest = {
      ...(d.rebuttal ? { rebuttal: d.rebuttal } : {}),
      reason: d.reason,
      moderator: d.moderator,
      at,
      ...onAppeal?.extra,
    };
    const [status, json] = await this.redis.reviewDecide(
      this.item(d.itemId),
      this.o.keys.reviewDecisions(),
      this.o.keys.reviewOutbox(),
      this.o.keys.reviewAudit(),
      d.itemId,
      d.lockToken,
      d.moderator,
      d.decisionId,
      at,
      d.kind,
      this.o.keys.reviewAuditPrefix(),
      d.reason,
      this.heldPrefix,
      this.leadPrefix,
      d.postId ?? "",
      d.accountId ?? "",
      actsOn,
      d.kind === "label_rumour" && !d.rebuttal ? "rumour" : "",
      head,
      `,${JSON.stringify(rest).slice(1)}`,
    );
    switch (status) {
      case "needs_post":
        throw badRequest(`${d.kind} needs a postId on an incident`);
      case "needs_account":
        throw badRequest(`${d.kind} needs an accountId on an incident`);
      case "needs_rebuttal":
        throw badRequest("label_rumour outside the rumour queue needs a rebuttal");
      case "own_decision":
        throw ownDecision(d.itemId);
      case "duplicate": {
        const prior = JSON.parse(json) as ModerationAction;
        if (prior.itemId !== d.itemId) throw decisionConflict(d.decisionId);
        // A retry completes the fan-out a crash may have cut short (each derived action is once).
        await this.fanout(prior, targets, actsOn);
        return { action: prior, duplicate: true };
      }
      default:
    }
    lockOutcome(d.itemId, status);
    const recorded = JSON.parse(json) as ModerationAction;
    await this.fanout(recorded, targets, actsOn);
    this.changed("decide", recorded.queue, d.kind);
    return { action: recorded, duplicate: false };
  }

  /** The posts a decision on this item also acts on: its group's copies, or its incident's evidence. */
  private async targets(itemId: string): Promise<Target[]> {
    if (itemId.startsWith("inc:")) return (await this.o.evidenceOf?.(itemId.slice(4))) ?? [];
    const members = await this.redis.hgetall(this.o.keys.reviewGroupPrefix() + itemId);
    return Object.entries(members).map(([postId, accountId]) => ({ postId, accountId }));
  }

  private fanout(base: ModerationAction, targets: readonly Target[], actsOn: string): Promise<number> {
    return fanOut(this.redis, this.o.keys, base, derivedActions(base, targets, actsOn), this.now());
  }

  /** Returns every expired lease to its queue (a claim does this for its own queue anyway). */
  async sweep(): Promise<number> {
    let n = 0;
    for (const q of REVIEW_QUEUES) {
      const r = await this.redis.reviewExpire(
        this.o.keys.reviewQueue(q),
        this.o.keys.reviewQueue(q, true),
        this.o.keys.reviewHeld(q),
        this.o.keys.reviewAudit(),
        this.now(),
        this.o.keys.reviewItemPrefix(),
        this.o.keys.reviewAuditPrefix(),
      );
      if (r > 0) this.changed("expire", q);
      n += r;
    }
    return n;
  }
}
