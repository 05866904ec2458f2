// The UI's calls to the review API (same origin, session cookie), and the JSON they answer. The
// types come from src/domain.ts where the wire form is the domain form; fields the API is still
// gaining (an incident's title and summary, a queue item's group) are optional, and the UI shows
// what it has.
import type {
  AuditEntry,
  EvidencePost,
  Grade,
  Incident,
  IncidentEvent,
  IncidentState,
  IncidentType,
  ReviewItem as DomainReviewItem,
  ReviewQueue,
  Silence,
  SilenceInput,
  SuppressedOpening,
} from "../../src/domain";

export type { EvidencePost, IncidentEvent, IncidentState, IncidentType, ReviewQueue, AuditEntry };
export type { Silence, SilenceInput, SuppressedOpening };

export type ReviewPost = NonNullable<DomainReviewItem["post"]>;

/** Near-duplicate single posts collapsed into one queue item: a decision applies to every copy. */
export interface ItemGroup {
  copies: number;
  accounts: number;
  authors: string[];
  postIds: string[];
}
export type ReviewItem = DomainReviewItem & { group?: ItemGroup };

export interface Claim {
  item: ReviewItem;
  lockToken: string;
}
export interface QueueCounts {
  queue: ReviewQueue;
  group: string;
  waiting: number;
  escalated: number;
  claimed: number;
  nextDueAt?: number;
}
export interface Principal {
  name: string;
  role: "support" | "moderator" | "lead" | "admin";
  tokenId: string;
}

/** What a moderator reads first: who, how many, how far, since when, how fast, what it says. */
export interface IncidentSummary {
  accounts: number;
  newAccounts: number;
  reach: number;
  firstSeen: number;
  lastSeen: number;
  ratePerMin: number;
  text?: string;
}
/**
 * An incident as the API sends it (the store's aliases stay on the server). Title and summary may
 * be missing (a server before them, an incident stored before them), and the UI shows what it has.
 */
export type IncidentJson = Omit<Incident, "aliases" | "title" | "summary"> & {
  title?: string;
  summary?: IncidentSummary;
};
export interface IncidentPage {
  incident: IncidentJson;
  respondBy: number;
  timeline: IncidentEvent[];
  evidence: EvidencePost[];
  sparkline: [number, number][];
}

export interface IncidentQuery {
  state?: IncidentState;
  type?: IncidentType;
  live?: boolean;
  grade?: Grade;
  group?: string;
  q?: string;
  limit?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, json.code ?? "ERROR", json.message ?? res.statusText);
  return json;
}

const item = (id: string) => `/api/items/${encodeURIComponent(id)}`;

function query(q: IncidentQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const api = {
  login: (token: string) => call<Principal>("POST", "/api/auth/login", { token }),
  logout: () => call<void>("POST", "/api/auth/logout"),
  me: () => call<Principal>("GET", "/api/auth/me"),
  queues: () => call<{ queues: QueueCounts[]; now: number }>("GET", "/api/queues"),
  items: (queue: string) => call<{ items: ReviewItem[]; total: number }>("GET", `/api/queues/${queue}/items?limit=50`),
  claim: (queue: string) => call<Claim | null>("POST", `/api/queues/${queue}/claim`),
  claims: () => call<{ claims: Claim[] }>("GET", "/api/claims"),
  renew: (c: Claim) => call<{ leaseUntil: number }>("POST", `${item(c.item.id)}/renew`, { lockToken: c.lockToken }),
  release: (c: Claim) => call<void>("POST", `${item(c.item.id)}/release`, { lockToken: c.lockToken }),
  decide: (c: Claim, kind: string, reason: string, decisionId: string, rebuttal?: string) =>
    call<{ action: unknown }>("POST", `${item(c.item.id)}/decision`, {
      lockToken: c.lockToken,
      decisionId,
      kind,
      reason,
      ...(rebuttal ? { rebuttal } : {}),
    }),
  /** Servers that do not know a filter yet ignore it; the incidents page filters again itself. */
  incidents: (q: IncidentQuery) => call<{ incidents: IncidentJson[] }>("GET", `/api/incidents${query(q)}`),
  incident: (id: string) => call<IncidentPage>("GET", `/api/incidents/${encodeURIComponent(id)}`),
  statement: (id: string, text: string) =>
    call<IncidentEvent>("POST", `/api/incidents/${encodeURIComponent(id)}/statements`, { text }),
  silences: (all = false) =>
    call<{ silences: Silence[]; now: number }>("GET", `/api/silences${all ? "?all=true" : ""}`),
  /** Leads only. */
  addSilence: (s: SilenceInput) => call<Silence>("POST", "/api/silences", s),
  expireSilence: (id: string) => call<Silence>("DELETE", `/api/silences/${encodeURIComponent(id)}`),
  suppressed: () => call<{ suppressed: SuppressedOpening[] }>("GET", "/api/suppressed?limit=100"),
  /** Leads only: the audit entries of one incident, newest first. */
  audit: (incidentId: string) =>
    call<{ entries: AuditEntry[] }>("GET", `/api/audit?incident=${encodeURIComponent(incidentId)}&limit=100`),
};
