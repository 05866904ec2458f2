// One error catalogue: every deliberate error has a stable code, an HTTP status and a retriable flag.

export type ErrorCode =
  | "CONFIG_INVALID"
  | "SERVICE_UNAVAILABLE"
  | "MESSAGE_REJECTED"
  | "NOT_FOUND"
  | "BAD_REQUEST"
  | "CONFLICT"
  | "INVALID_TRANSITION"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "LOCK_NOT_HELD"
  | "INTERNAL";

export class ModstreamError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ModstreamError";
  }
}

export const configInvalid = (why: string) => new ModstreamError("CONFIG_INVALID", why, 500, false);

export const serviceUnavailable = (what: string, cause?: unknown) =>
  new ModstreamError("SERVICE_UNAVAILABLE", `${what} is unavailable`, 503, true, { cause });

export const badRequest = (why: string) => new ModstreamError("BAD_REQUEST", why, 400, false);

export const notFound = (what: string) => new ModstreamError("NOT_FOUND", `${what} not found`, 404, false);

export const isRetriable = (err: unknown): boolean => err instanceof ModstreamError && err.retriable;

export const incidentNotFound = (id: string) => new ModstreamError("NOT_FOUND", `incident ${id} not found`, 404, false);

/** A lifecycle move the plan does not allow; says which moves are allowed from here. */
export const invalidTransition = (id: string, from: string, to: string, allowed: readonly string[], why?: string) =>
  new ModstreamError(
    "INVALID_TRANSITION",
    `incident ${id}: cannot go from ${from} to ${to}` +
      (why ? ` (${why})` : allowed.length ? ` (allowed from ${from}: ${allowed.join(", ")})` : ` (${from} is final)`),
    409,
    false,
  );

/** Another writer changed the incident first; retrying re-reads it. */
export const incidentConflict = (id: string) =>
  new ModstreamError("CONFLICT", `incident ${id} changed concurrently, retry`, 409, true);

// Review and HTTP API (src/review, src/http).

export const unauthorized = () =>
  new ModstreamError("UNAUTHORIZED", "authentication required: a valid token or session", 401, false);

export const forbidden = (role: string) =>
  new ModstreamError("FORBIDDEN", `this needs the ${role} role or higher`, 403, false);

export const rateLimited = (afterMs: number) =>
  new ModstreamError("RATE_LIMITED", `too many requests, retry in ${Math.ceil(afterMs / 1000)}s`, 429, true);

export const itemNotFound = (id: string) => new ModstreamError("NOT_FOUND", `review item ${id} not found`, 404, false);

/** The caller does not hold the item's lock (never claimed, lease expired, or reassigned). */
export const lockNotHeld = (id: string, why: string) =>
  new ModstreamError("LOCK_NOT_HELD", `review item ${id}: ${why}`, 409, false);

/** A decision id reused for a different decision. */
export const decisionConflict = (id: string) =>
  new ModstreamError("CONFLICT", `decision ${id} was already used for another item`, 409, false);

/** A second appeal of one decision, or an appeal id reused for a different appeal. */
export const appealConflict = (why: string) => new ModstreamError("CONFLICT", why, 409, false);

/** The moderator who made a decision may not judge its appeal. */
export const ownDecision = (itemId: string) =>
  new ModstreamError(
    "CONFLICT",
    `review item ${itemId}: an appeal of your own decision goes to someone else`,
    409,
    false,
  );

/** What a caller sees for an unexpected failure: logged in full, never leaked. */
export const internalError = () => new ModstreamError("INTERNAL", "internal error", 500, false);
