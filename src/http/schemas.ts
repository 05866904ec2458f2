// TypeBox schemas of the API: one source for validation, the OpenAPI document and the TS types.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import {
  APPEAL_REASON_MAX,
  DECISION_KINDS,
  INCIDENT_STATES,
  INCIDENT_TYPES,
  KEY_KINDS,
  REVIEW_QUEUES,
  ROLES,
} from "../domain";

const Enum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...(description ? { description } : {}) });

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: "stable error code (src/errors.ts)" }),
    message: Type.String(),
    statusCode: Type.Integer(),
  },
  { $id: "ErrorBody" },
);

export const Queue = Enum(REVIEW_QUEUES, "working group");
export const IncidentType = Enum(INCIDENT_TYPES);
export const Role = Enum(ROLES);
export const DecisionKind = Enum(DECISION_KINDS);
export const ActionKind = Enum([...DECISION_KINDS.filter((k) => k !== "overturn"), "reverse"] as const);
export const Grade = Type.Integer({ minimum: 1, maximum: 4, description: "1 (一级, major) … 4 (四级, routine)" });
const Scores = Type.Object({
  rumour: Type.Number(),
  abuse: Type.Number(),
  attack: Type.Number(),
  data_leak: Type.Number(),
});
const Contribution = Type.Object({
  feature: Type.String(),
  weight: Type.Number(),
  span: Type.Optional(Type.Object({ start: Type.Integer(), end: Type.Integer() })),
});

export const ReviewPost = Type.Object({
  id: Type.String(),
  authorId: Type.String(),
  followers: Type.Number(),
  text: Type.String(),
  createdAt: Type.String(),
  scores: Scores,
  top: Type.Array(Contribution),
});

export const Action = Type.Object({
  decisionId: Type.String(),
  action: ActionKind,
  itemId: Type.String(),
  queue: Queue,
  incidentId: Type.Optional(Type.String()),
  postId: Type.Optional(Type.String()),
  accountId: Type.Optional(Type.String()),
  rebuttal: Type.Optional(Type.String()),
  reason: Type.String(),
  moderator: Type.String(),
  at: Type.Number(),
  reverses: Type.Optional(Type.String({ description: "reverse only: the decision it reverses" })),
  reversesAction: Type.Optional(ActionKind),
  appealId: Type.Optional(Type.String({ description: "a decision on an appeal: the appeal" })),
});

const AppealFields = {
  id: Type.String({ minLength: 1, maxLength: 128, description: "the appeal's id: one appeal per id" }),
  decisionId: Type.String({ minLength: 1, maxLength: 256, description: "the decision contested" }),
  accountId: Type.String({ minLength: 1, maxLength: 128, description: "the author: the account it acted on" }),
  reason: Type.String({ minLength: 1, maxLength: APPEAL_REASON_MAX, description: "the author's words" }),
};

/** An appeal filed by support staff: the appeals topic's contract, createdAt defaulting to now. */
export const AppealBody = Type.Object(
  { ...AppealFields, createdAt: Type.Optional(Type.String({ format: "date-time" })) },
  { additionalProperties: false },
);

/** An appeals-queue item's appeal: the contested action, who filed it. */
export const Appeal = Type.Object(
  { ...AppealFields, createdAt: Type.String(), original: Action, filedBy: Type.String() },
  { description: "an appeals-queue item: the appeal and the decision it contests" },
);

export const ReviewItem = Type.Object(
  {
    id: Type.String(),
    kind: Enum(["incident", "post", "appeal"] as const),
    queue: Queue,
    grade: Grade,
    reason: Type.String(),
    enqueuedAt: Type.Number(),
    dueAt: Type.Number({ description: "SLA deadline, ms since epoch" }),
    incidentId: Type.Optional(Type.String()),
    post: Type.Optional(ReviewPost),
    state: Enum(["queued", "claimed", "decided"] as const),
    holder: Type.Optional(Type.String()),
    leaseUntil: Type.Optional(Type.Number()),
    escalated: Type.Optional(Type.Boolean()),
    group: Type.Optional(
      Type.Object(
        {
          copies: Type.Integer({ description: "posts in the group, this item's own post included" }),
          accounts: Type.Integer({ description: "distinct accounts behind them" }),
          authors: Type.Array(Type.String(), { maxItems: 20 }),
          postIds: Type.Array(Type.String(), { maxItems: 50 }),
        },
        { description: "near-duplicate copies collapsed into this item; a decision applies to every post in it" },
      ),
    ),
    appeal: Type.Optional(Appeal),
  },
  { $id: "ReviewItem" },
);

export const Claim = Type.Object({ item: ReviewItem, lockToken: Type.String() });

export const ItemParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const QueueParams = Type.Object({ queue: Queue });
export const LockBody = Type.Object(
  { lockToken: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  {
    lockToken: Type.String({ minLength: 1, maxLength: 100 }),
    decisionId: Type.String({ minLength: 1, maxLength: 100, description: "idempotency key: one action per id" }),
    kind: DecisionKind,
    reason: Type.String({ maxLength: 2000 }),
    postId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    accountId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    rebuttal: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
);

export const Pagination = {
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

export const QueueCounts = Type.Object({
  queue: Queue,
  group: Type.String(),
  waiting: Type.Integer(),
  escalated: Type.Integer(),
  claimed: Type.Integer(),
  nextDueAt: Type.Optional(Type.Number()),
});

const Figures = Type.Object({
  flagged: Type.Number(),
  posts: Type.Number(),
  perMinute: Type.Number(),
  authors: Type.Number(),
  reach: Type.Number(),
  confidence: Type.Number(),
  growth: Type.Number(),
});

export const Incident = Type.Object({
  id: Type.String(),
  type: IncidentType,
  grade: Grade,
  state: Enum(INCIDENT_STATES),
  source: Type.String(),
  kind: Type.String(),
  key: Type.String(),
  group: Type.String(),
  assignee: Type.Optional(Type.String()),
  figures: Figures,
  firstEvidenceAt: Type.Number(),
  openedAt: Type.Number(),
  updatedAt: Type.Number(),
  lastActivityAt: Type.Number(),
  reopenCount: Type.Number(),
  resolvedAt: Type.Optional(Type.Number()),
  title: Type.String({ description: "the most readable key and the representative text; never a band hash" }),
  summary: Type.Object({
    accounts: Type.Number(),
    newAccounts: Type.Number(),
    reach: Type.Number(),
    firstSeen: Type.Number({ description: "ms since epoch" }),
    lastSeen: Type.Number({ description: "ms since epoch" }),
    ratePerMin: Type.Number(),
    text: Type.Optional(Type.String({ description: "representative text" })),
  }),
});

export const IncidentEvent = Type.Object({
  incidentId: Type.String(),
  kind: Type.String(),
  at: Type.Number(),
  actor: Type.String(),
  grade: Grade,
  state: Type.String(),
  from: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  text: Type.Optional(Type.String()),
});

export const EvidencePost = Type.Object({
  id: Type.String(),
  authorId: Type.String(),
  followers: Type.Number(),
  text: Type.String(),
  createdAt: Type.String(),
  scores: Scores,
});

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.Number(),
  actor: Type.String(),
  kind: Type.String(),
  itemId: Type.Optional(Type.String()),
  incidentId: Type.Optional(Type.String()),
  what: Type.Optional(Type.String()),
  why: Type.Optional(Type.String()),
});

const SilenceMatcher = Type.Object(
  {
    kind: Type.Optional(Enum(KEY_KINDS, "key kind")),
    key: Type.Optional(Type.String({ description: "the key's value as the windows count it (#Foo → foo)" })),
    type: Type.Optional(Enum(INCIDENT_TYPES, "incident type")),
  },
  { description: "all given parts must match" },
);

export const Silence = Type.Object(
  {
    id: Type.String(),
    matcher: SilenceMatcher,
    reason: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.Number({ description: "ms since epoch" }),
    endsAt: Type.Number({ description: "ms since epoch" }),
    expiredAt: Type.Optional(Type.Number({ description: "set when ended early" })),
    expiredBy: Type.Optional(Type.String()),
  },
  { $id: "Silence" },
);

export const SilenceBody = Type.Object(
  {
    kind: Type.Optional(Enum(KEY_KINDS, "key kind; with key, one key")),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "e.g. #foo (needs kind)" })),
    type: Type.Optional(Enum(INCIDENT_TYPES, "incident type")),
    for: Type.String({ minLength: 1, maxLength: 20, description: "how long: 30m, 2h, 1d, 1h30m (at most 30 days)" }),
    reason: Type.String({ minLength: 1, maxLength: 500, description: "why (required; shown with the silence)" }),
  },
  { additionalProperties: false },
);

export const SuppressedOpening = Type.Object({
  ref: Type.String({ description: "evidence reference (spike stream id, report-flood period)" }),
  at: Type.Number(),
  reason: Enum(["silenced", "inhibited"] as const),
  type: Queue,
  source: Type.String(),
  kind: Type.String(),
  key: Type.String(),
  grade: Grade,
  text: Type.String(),
  silenceId: Type.Optional(Type.String({ description: "the silence that matched" })),
  incidentId: Type.Optional(Type.String({ description: "the live grade I or II incident that inhibited it" })),
});

export const Principal = Type.Object({ tokenId: Type.String(), name: Type.String(), role: Role });
export const TokenInfo = Type.Object({
  tokenId: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.Number(),
  createdBy: Type.String(),
});

/** Response map with the shared error body for every error status a route can answer. */
export const responses = <T extends Record<number, TSchema>>(ok: T) => ({
  ...ok,
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
});

export type ErrorBodyT = Static<typeof ErrorBody>;
