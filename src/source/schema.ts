// The event contract: JSON schemas of the posts, reports and appeals topics (documented in docs/events.md).
import { Type, type Static } from "@sinclair/typebox";
import { APPEAL_REASON_MAX } from "../domain";

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Time = Type.String({ format: "date-time" });
const Count = Type.Integer({ minimum: 0, maximum: 1e12 });

export const AuthorSchema = Type.Object(
  {
    id: Id,
    followers: Count,
    accountAgeDays: Type.Number({ minimum: 0, maximum: 100000 }),
    verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PostSchema = Type.Object(
  {
    id: Id,
    author: AuthorSchema,
    text: Type.String(),
    lang: Type.Optional(Type.String({ pattern: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$" })),
    createdAt: Time,
    hashtags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 64 })),
    mentions: Type.Optional(Type.Array(Id, { maxItems: 64 })),
    urls: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 32 })),
    repostOf: Type.Optional(Id),
    replyTo: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const ReportSchema = Type.Object(
  {
    id: Id,
    reporterId: Id,
    postId: Id,
    targetAuthorId: Type.Optional(Id),
    reason: Type.Union([
      Type.Literal("rumour"),
      Type.Literal("abuse"),
      Type.Literal("spam"),
      Type.Literal("privacy"),
      Type.Literal("other"),
    ]),
    createdAt: Time,
  },
  { additionalProperties: false },
);

/** An author's appeal of a decision (src/review/appeals.ts checks it against the decision). */
export const AppealSchema = Type.Object(
  {
    id: Id,
    // Decision ids of one decision's further posts and accounts are `<decision id>/post:<post id>`.
    decisionId: Type.String({ minLength: 1, maxLength: 256 }),
    accountId: Id,
    reason: Type.String({ minLength: 1, maxLength: APPEAL_REASON_MAX }),
    createdAt: Time,
  },
  { additionalProperties: false },
);

export type PostMessage = Static<typeof PostSchema>;
export type ReportMessage = Static<typeof ReportSchema>;
