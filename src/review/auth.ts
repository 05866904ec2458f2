// API tokens and UI sessions, stored hashed: RedisClient holds the SHA-256 of each secret, never the
// secret itself, so a copy of the database grants nothing. Tokens are created by the CLI (or an
// admin through the API) and shown once.
import { createHash, randomBytes } from "node:crypto";
import type { RedisClient } from "../redis/client";
import { ROLES, type Role } from "../domain";
import { notFound } from "../errors";
import type { ReviewKeys } from "./keys";

export interface Principal {
  /** Token id (the first characters of its hash), shown in lists and used to revoke. */
  tokenId: string;
  name: string;
  role: Role;
}

export interface TokenInfo extends Principal {
  createdAt: number;
  createdBy: string;
}

const RANK: Record<Role, number> = { support: 1, moderator: 2, lead: 3, admin: 4 };

/** Admin can do what a lead can, a lead what a moderator can, a moderator what support staff can. */
export const atLeast = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];

export const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export class AuthStore {
  /** Verified tokens by their value, so a hit costs neither a hash nor a Redis read. */
  private readonly cache = new Map<string, { hash: string; p: Principal; until: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ReviewKeys,
    private readonly sessionTtlSeconds: number,
    private readonly cacheMs = 5000,
  ) {}

  /** Creates a token and returns it; only its hash is stored. */
  async createToken(role: Role, name: string, createdBy = "cli"): Promise<{ token: string; info: TokenInfo }> {
    const token = `mst_${randomBytes(24).toString("base64url")}`;
    const hash = sha256(token);
    const info: TokenInfo = { tokenId: hash.slice(0, 12), name, role, createdAt: Date.now(), createdBy };
    await this.redis.hset(this.keys.reviewTokens(), hash, JSON.stringify(info));
    return { token, info };
  }

  /**
   * Every API request verifies its token, so a verified token is remembered for `cacheMs` (5 s):
   * a revocation takes effect on other servers within that long, on this one at once.
   */
  async verifyToken(token: string): Promise<Principal | undefined> {
    const hit = this.cache.get(token);
    const now = Date.now();
    if (hit && hit.until > now) return hit.p;
    const hash = sha256(token);
    const raw = await this.redis.hget(this.keys.reviewTokens(), hash);
    if (!raw) {
      this.cache.delete(token);
      return undefined;
    }
    const t = JSON.parse(raw) as TokenInfo;
    const p = { tokenId: t.tokenId, name: t.name, role: t.role };
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(token, { hash, p, until: now + this.cacheMs });
    return p;
  }

  async listTokens(): Promise<TokenInfo[]> {
    const all = await this.redis.hvals(this.keys.reviewTokens());
    return all.map((v) => JSON.parse(v) as TokenInfo).sort((a, b) => a.createdAt - b.createdAt);
  }

  async revokeToken(tokenId: string): Promise<TokenInfo> {
    const h = await this.redis.hgetall(this.keys.reviewTokens());
    for (const [hash, v] of Object.entries(h))
      if (hash.startsWith(tokenId) && tokenId.length >= 12) {
        await this.redis.hdel(this.keys.reviewTokens(), hash);
        for (const [token, hit] of this.cache) if (hit.hash === hash) this.cache.delete(token);
        return JSON.parse(v) as TokenInfo;
      }
    throw notFound(`token ${tokenId}`);
  }

  /** Exchanges a verified principal for a session id (the cookie value). */
  async createSession(p: Principal): Promise<string> {
    const sid = randomBytes(32).toString("base64url");
    await this.redis.set(this.keys.reviewSession(sha256(sid)), JSON.stringify(p), "EX", this.sessionTtlSeconds);
    return sid;
  }

  async verifySession(sid: string): Promise<Principal | undefined> {
    const raw = await this.redis.get(this.keys.reviewSession(sha256(sid)));
    return raw ? (JSON.parse(raw) as Principal) : undefined;
  }

  async endSession(sid: string): Promise<void> {
    await this.redis.del(this.keys.reviewSession(sha256(sid)));
  }
}
