// Plain types shared by every stage: what flows through the pipeline. Imports nothing from src/.

/** Signal categories the scorer produces and the windows count. */
export const CATEGORIES = ["rumour", "abuse", "attack", "data_leak"] as const;
export type Category = (typeof CATEGORIES)[number];

/** Incident types: the four signal categories plus the pipeline's own faults. */
export type IncidentType = Category | "technical";

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
  feature: string;
  weight: number;
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
export type KeyKind = "stream" | "hashtag" | "url" | "domain" | "cluster" | "mention" | "author" | "post";

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
