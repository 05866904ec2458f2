// The UI's calls to the review API (same origin, session cookie).
export interface Contribution {
  feature: string;
  weight: number;
}
export interface ReviewPost {
  id: string;
  authorId: string;
  followers: number;
  text: string;
  createdAt: string;
  scores: Record<string, number>;
  top: Contribution[];
}
export interface ReviewItem {
  id: string;
  kind: "incident" | "post";
  queue: string;
  grade: number;
  reason: string;
  enqueuedAt: number;
  dueAt: number;
  incidentId?: string;
  post?: ReviewPost;
  state: string;
  holder?: string;
  leaseUntil?: number;
  escalated?: boolean;
}
export interface Claim {
  item: ReviewItem;
  lockToken: string;
}
export interface QueueCounts {
  queue: string;
  group: string;
  waiting: number;
  escalated: number;
  claimed: number;
  nextDueAt?: number;
}
export interface Principal {
  name: string;
  role: string;
  tokenId: string;
}
export interface IncidentPage {
  incident: { id: string; type: string; grade: number; state: string; kind: string; key: string; group: string };
  respondBy: number;
  timeline: { kind: string; at: number; actor: string; text?: string }[];
  evidence: { id: string; authorId: string; text: string; scores: Record<string, number> }[];
  sparkline: [number, number][];
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

export const api = {
  login: (token: string) => call<Principal>("POST", "/api/auth/login", { token }),
  logout: () => call<void>("POST", "/api/auth/logout"),
  me: () => call<Principal>("GET", "/api/auth/me"),
  queues: () => call<{ queues: QueueCounts[]; now: number }>("GET", "/api/queues"),
  items: (queue: string) => call<{ items: ReviewItem[]; total: number }>("GET", `/api/queues/${queue}/items?limit=50`),
  claim: (queue: string) => call<Claim | null>("POST", `/api/queues/${queue}/claim`),
  claims: () => call<{ claims: Claim[] }>("GET", "/api/claims"),
  renew: (c: Claim) =>
    call<{ leaseUntil: number }>("POST", `/api/items/${encodeURIComponent(c.item.id)}/renew`, {
      lockToken: c.lockToken,
    }),
  release: (c: Claim) =>
    call<void>("POST", `/api/items/${encodeURIComponent(c.item.id)}/release`, { lockToken: c.lockToken }),
  decide: (c: Claim, kind: string, reason: string, decisionId: string, rebuttal?: string) =>
    call<{ action: unknown }>("POST", `/api/items/${encodeURIComponent(c.item.id)}/decision`, {
      lockToken: c.lockToken,
      decisionId,
      kind,
      reason,
      ...(rebuttal ? { rebuttal } : {}),
    }),
  incident: (id: string) => call<IncidentPage>("GET", `/api/incidents/${encodeURIComponent(id)}`),
};
