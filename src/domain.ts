// Plain types shared by every stage: what flows through the pipeline. Imports nothing from src/.

/** Signal categories the scorer produces and the windows count. */
export const CATEGORIES = ["rumour", "abuse", "attack", "data_leak"] as const;
export type Category = (typeof CATEGORIES)[number];

/** Incident types: the four signal categories plus the pipeline's own faults. */
export const INCIDENT_TYPES = [...CATEGORIES, "technical"] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** Why a post or report went to the dead-letter topic (src/source/decode.ts decides). */
export const DEAD_LETTER_REASONS = [
  "empty",
  "too_large",
  "invalid_utf8",
  "not_json",
  "prototype_pollution",
  "schema",
  "text_too_long",
  "time_out_of_range",
] as const;
/** Why an appeal went to the dead-letter topic (src/review/appeals.ts decides; the API answers 400/404/409). */
export const APPEAL_REJECT_REASONS = ["appeal_invalid", "appeal_unknown_decision", "appeal_duplicate"] as const;
export type AppealRejectReason = (typeof APPEAL_REJECT_REASONS)[number];
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number] | AppealRejectReason;

export interface Author {
  id: string;
  followers: number;
  /** Account age in days at the time of the post. */
  accountAgeDays: number;
  verified?: boolean;
}

/** A post as the platform publishes it on the posts topic (see docs/events.md). */
export interface Post {
  id: string;
  author: Author;
  text: string;
  /** BCP-47 language tag if the platform knows it ("en", "zh", ...). */
  lang?: string;
  /** Event time, ISO-8601. */
  createdAt: string;
  hashtags?: string[];
  mentions?: string[];
  urls?: string[];
  repostOf?: string;
  replyTo?: string;
}

/** A user report of a post or account, on the reports topic. */
export interface Report {
  id: string;
  reporterId: string;
  postId: string;
  /** The reported account, when the platform knows it. */
  targetAuthorId?: string;
  reason: "rumour" | "abuse" | "spam" | "privacy" | "other";
  createdAt: string;
}

/** One feature that pushed a score up, for moderators to see why. */
export interface Contribution {
  /** A model feature: the words of the post that drove the score, quoted from its text. A rule: `rule:<name>`. */
  feature: string;
  weight: number;
  /** Model features: where `feature` stands in the post's original text (UTF-16 offsets, end exclusive). */
  span?: { start: number; end: number };
}

export interface CategoryScore {
  /** Probability-like score in [0, 1]. */
  score: number;
  /** True when the score passes the model's decision threshold. */
  flagged: boolean;
  /** Top contributing features, strongest first. */
  top: Contribution[];
}

export type Score = Record<Category, CategoryScore>;

/** A post after decoding, normalisation and scoring. */
export interface ScoredPost {
  post: Post;
  /** Normalised text the scorer and the near-duplicate hash saw. */
  normalised: string;
  score: Score;
  /** Kafka coordinates, for at-least-once bookkeeping. */
  partition: number;
  offset: string;
}

/** Which kind of key a window counts posts under. */
export const KEY_KINDS = ["stream", "hashtag", "url", "domain", "cluster", "mention", "author", "post"] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** A detected spike of harmful content on one key: the detector's output, an incident's input. */
export interface Spike {
  type: IncidentType;
  category: Category;
  kind: KeyKind;
  key: string;
  /** -log10 of the chance of this many flagged posts under the key's baseline (see detect/spike.ts). */
  evidence: number;
  flagged: number;
  posts: number;
  authors: number;
  expected: number;
  reason: string;
  /** Start of the now window and the detection time, ms since epoch. */
  windowStart: number;
  detectedAt: number;
}

/** Incident grades: 1 (一级, major) is the most severe, 4 (四级, routine operations) the least. */
export type Grade = 1 | 2 | 3 | 4;
export const GRADES: readonly Grade[] = [1, 2, 3, 4];
/** The plan writes grades as Roman numerals: the SLA table, reports, alerts and the UI use these. */
export const ROMAN = { 1: "I", 2: "II", 3: "III", 4: "IV" } as const satisfies Record<Grade, string>;
export type GradeNumeral = (typeof ROMAN)[Grade];
/** The numerals in grade order, I first. */
export const GRADE_NUMERALS: readonly GradeNumeral[] = GRADES.map((g) => ROMAN[g]);

/** An incident's lifecycle, in the plan's order (see src/incidents/lifecycle.ts for the rules). */
export const INCIDENT_STATES = ["open", "assessing", "responding", "resolved", "reviewed"] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** What opened an incident. */
export type IncidentSource = "spike" | "reports" | "technical" | "manual";

/** The figures a grade is computed from (all over the detector's now window unless noted). */
export interface IncidentFigures {
  /** Flagged posts (volume); for `technical`, the size of the fault signal. */
  flagged: number;
  posts: number;
  /** Flagged posts per minute (velocity). */
  perMinute: number;
  /** Distinct authors (or, for report-opened incidents, distinct reporters). */
  authors: number;
  /** Followers of the posts' authors, summed (how far the content can travel). */
  reach: number;
  /** Detector evidence, -log10 of the chance under the baseline (score confidence). */
  confidence: number;
  /** Flagged now over flagged in the window before (1 = flat, > 1 growing, < 1 subsiding). */
  growth: number;
}

/** A post kept as evidence: a copy, so it survives the platform deleting the original. */
export interface EvidencePost {
  id: string;
  authorId: string;
  followers: number;
  text: string;
  createdAt: string;
  scores: Record<Category, number>;
  /** Age of the author's account when the post was sampled (absent in evidence kept before it was recorded). */
  accountAgeDays?: number;
}

/** An incident's scale in people's terms (what the incidents page and `incident show` lead with). */
export interface IncidentSummary {
  /** Distinct accounts behind the evidence (for a report flood: the reporters). */
  accounts: number;
  /** Of them, accounts younger than the pipeline's keyWindows.newAccountDays. */
  newAccounts: number;
  /** Followers of those accounts, summed. */
  reach: number;
  /** First and last evidence, ms since epoch. */
  firstSeen: number;
  lastSeen: number;
  /** Peak flagged posts per minute. */
  ratePerMin: number;
  /** The representative text: the most common normalised text among the evidence. */
  text?: string;
}

export interface Incident {
  /** Stable id, e.g. "INC-rumour-3f9a2c1d". */
  id: string;
  type: IncidentType;
  grade: Grade;
  state: IncidentState;
  source: IncidentSource;
  /** The key that opened it (kind and value), e.g. hashtag "dam". */
  kind: string;
  key: string;
  /** Working group (queue) the incident is routed to. */
  group: string;
  assignee?: string;
  figures: IncidentFigures;
  /** First evidence (start of the spike's window), opening, and lifecycle times, ms since epoch. */
  firstEvidenceAt: number;
  openedAt: number;
  updatedAt: number;
  /** Last time the evidence grew (a spike on one of its keys, a fault still present). */
  lastActivityAt: number;
  assessingAt?: number;
  respondingAt?: number;
  resolvedAt?: number;
  reviewedAt?: number;
  /** Last grade change, ms since epoch (steady grades step down only after a quiet period since it). */
  regradedAt?: number;
  /** Set when the incident has been quiet long enough for the system to propose resolving it. */
  resolveProposedAt?: number;
  reopenCount: number;
  /** Window keys (hash tags) that feed this incident: the opening key and its near-duplicate cluster. */
  aliases: string[];
  /** What a moderator reads: the most readable key and the representative text; never a band hash. */
  title: string;
  summary: IncidentSummary;
}

/**
 * What a silence matches: a key (kind and value, normalised as the windows count it), a key kind,
 * an incident type, or a combination (all given parts must match). At least one part.
 */
export interface SilenceMatcher {
  kind?: KeyKind;
  key?: string;
  type?: IncidentType;
}

/** A lead's silence: matching spikes and report floods open and extend nothing until it ends. */
export interface Silence {
  id: string;
  matcher: SilenceMatcher;
  reason: string;
  createdBy: string;
  /** ms since epoch. */
  createdAt: number;
  endsAt: number;
  /** Set when a lead ended it early. */
  expiredAt?: number;
  expiredBy?: string;
}

/** A silence as a lead asks for it: at least one of kind (with key, one key), type; a duration such as "2h". */
export interface SilenceInput {
  kind?: string;
  key?: string;
  type?: string;
  /** How long: "30m", "2h", "1d", "1h30m" (at most 30 days). */
  for: string;
  reason: string;
}

/** An incident opening that did not happen: silenced, or inhibited by a graver incident on its key. */
export interface SuppressedOpening {
  /** The evidence reference (spike stream id, report-flood period). */
  ref: string;
  at: number;
  reason: "silenced" | "inhibited";
  type: IncidentType;
  source: IncidentSource;
  kind: string;
  key: string;
  /** The grade the incident would have had. */
  grade: Grade;
  text: string;
  /** The silence that matched (silenced). */
  silenceId?: string;
  /** The open grade I or II incident on the same key (inhibited). */
  incidentId?: string;
}

export type IncidentEventKind =
  "opened" | "extended" | "regraded" | "state" | "reopened" | "resolve_proposed" | "statement" | "action";

/** One entry on an incident's timeline; also the message published on the incidents topic. */
export interface IncidentEvent {
  incidentId: string;
  kind: IncidentEventKind;
  at: number;
  actor: string;
  type: IncidentType;
  grade: Grade;
  state: IncidentState;
  /** Previous grade or state, for "regraded" and "state". */
  from?: Grade | IncidentState;
  figures?: IncidentFigures;
  /** Statement text, transition note, or what extended the incident. */
  text?: string;
  /** "opened" only: first evidence → opened, ms (time to detect). */
  detectedAfterMs?: number;
}

// Review (src/review): the moderators' queue, decisions and audit log.

/**
 * Queues are per working group, one per incident type, and the appeals queue (worked by a group
 * other than any that decides: the pipeline file's appeals.group).
 */
export const REVIEW_QUEUES = ["rumour", "abuse", "attack", "data_leak", "technical", "appeals"] as const;
export type ReviewQueue = (typeof REVIEW_QUEUES)[number];

/** Ordered: support (files appeals) ⊂ moderator ⊂ lead ⊂ admin. */
export const ROLES = ["support", "moderator", "lead", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** A post as a moderator sees it: a copy with its scores and the words that drove them. */
export interface ReviewPost {
  id: string;
  authorId: string;
  followers: number;
  text: string;
  createdAt: string;
  scores: Record<Category, number>;
  /** Strongest contributing features over the flagged categories. */
  top: Contribution[];
}

export type ReviewItemState = "queued" | "claimed" | "decided";

/** One thing in a review queue: an incident, an individually flagged / reported post, or an appeal. */
export interface ReviewItem {
  /** "inc:<incident id>", "post:<post id>" or "appeal:<appeal id>". */
  id: string;
  kind: "incident" | "post" | "appeal";
  queue: ReviewQueue;
  grade: Grade;
  /** Why it is in the queue ("rumour score 0.99", "incident opened", "reported by users"). */
  reason: string;
  enqueuedAt: number;
  /** Response-time target (SLA) by the grade, ms since epoch. */
  dueAt: number;
  incidentId?: string;
  post?: ReviewPost;
  state: ReviewItemState;
  holder?: string;
  leaseUntil?: number;
  /** Escalated items wait for a lead. */
  escalated?: boolean;
  /** Near-duplicate copies collapsed into this item (a decision applies to every post in it). */
  group?: ReviewGroup;
  /** An appeals-queue item: the appeal and the decision it contests. */
  appeal?: ReviewAppeal;
}

/** An author's appeal of a decision, on the appeals topic or filed by support staff (docs/events.md). */
export interface Appeal {
  /** The appeal's own id: an idempotency key (a redelivery of the same appeal changes nothing). */
  id: string;
  /** The decision contested (a decision id of the actions topic). */
  decisionId: string;
  /** The author who appeals: the account the decision acted on. */
  accountId: string;
  /** The author's words (at most APPEAL_REASON_MAX characters); shown to moderators only as text. */
  reason: string;
  createdAt: string;
}

export const APPEAL_REASON_MAX = 2000;

/** An appeal as its queue item carries it: with the contested action and who filed it. */
export interface ReviewAppeal extends Appeal {
  original: ModerationAction;
  /** "kafka" (the appeals topic) or the support staff member who filed it. */
  filedBy: string;
}

export interface ReviewGroup {
  /** Posts in the group, this item's own post included. */
  copies: number;
  /** Distinct accounts behind them. */
  accounts: number;
  /** Some of those accounts (at most 20). */
  authors: string[];
  /** Some of the posts (at most 50). */
  postIds: string[];
}

export const DECISION_KINDS = [
  "remove_post",
  "label_rumour",
  "warn_author",
  "suspend_author",
  "dismiss",
  "escalate",
  // Appeals only: uphold keeps the contested decision; overturn publishes its reversal.
  "uphold",
  "overturn",
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** Decision kinds an appeals-queue item takes (escalate too); no other item takes uphold or overturn. */
export const APPEAL_DECISIONS: readonly DecisionKind[] = ["uphold", "overturn", "escalate"];

/** What the actions topic carries: a decision's kind, or `reverse` (an overturned appeal's reversal). */
export type ActionKind = Exclude<DecisionKind, "overturn"> | "reverse";

/** A moderation action, as published on the actions topic (keyed by post or account id). */
export interface ModerationAction {
  decisionId: string;
  action: ActionKind;
  itemId: string;
  queue: ReviewQueue;
  incidentId?: string;
  postId?: string;
  accountId?: string;
  /** Rebuttal text attached to a rumour label (辟谣). */
  rebuttal?: string;
  reason: string;
  moderator: string;
  at: number;
  /** `reverse` only: the decision reversed, its action, and the appeal that overturned it. */
  reverses?: string;
  reversesAction?: ActionKind;
  appealId?: string;
}

export type AuditKind =
  | "enqueue"
  | "claim"
  | "release"
  | "lease_expired"
  | "reassign"
  | "decide"
  | "grade"
  | "state"
  | "statement"
  | "login"
  | "token_create"
  | "token_revoke"
  | "appeal"
  | "silence_add"
  | "silence_expire";

/** One append-only audit entry: who did what, when and why. */
export interface AuditEntry {
  /** Stream id, ordered by time. */
  id: string;
  at: number;
  actor: string;
  kind: AuditKind;
  itemId?: string;
  incidentId?: string;
  what?: string;
  why?: string;
}
