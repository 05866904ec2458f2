// Who is calling (a bearer API token or a UI session cookie) and whether their role may call the
// route. Roles are ordered: admin ⊇ lead ⊇ moderator.
import type { FastifyRequest } from "fastify";
import { forbidden, unauthorized } from "../errors";
import { atLeast, type AuthStore, type Principal } from "../review/auth";

export const SESSION_COOKIE = "ms_session";

export async function authenticate(req: FastifyRequest, auth: AuthStore): Promise<Principal | undefined> {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) {
    const p = await auth.verifyToken(header.slice(7).trim());
    if (!p) throw unauthorized();
    return p;
  }
  const sid = req.cookies?.[SESSION_COOKIE];
  if (sid) {
    req.sessionId = sid;
    return auth.verifySession(sid);
  }
  return undefined;
}

export function authorise(req: FastifyRequest): void {
  const need = req.routeOptions.config?.role;
  if (need === "public") return;
  // Unknown routes (404) have no role: answer 404 without revealing more to anonymous callers.
  if (need === undefined) return;
  if (!req.principal) throw unauthorized();
  if (!atLeast(req.principal.role, need)) throw forbidden(need);
}
