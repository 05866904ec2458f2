// One error catalogue: every deliberate error has a stable code, an HTTP status and a retriable flag.

export type ErrorCode =
  "CONFIG_INVALID" | "SERVICE_UNAVAILABLE" | "MESSAGE_REJECTED" | "NOT_FOUND" | "BAD_REQUEST" | "CONFLICT";

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
