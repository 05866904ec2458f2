// Lock tokens for claims: 144 random bits each, drawn from a pool that one CSPRNG call fills for
// 256 tokens (as crypto.randomUUID caches its entropy) instead of one call per claim.
import { randomFillSync } from "node:crypto";

const BYTES = 18;
const pool = Buffer.alloc(BYTES * 256);
let offset = pool.length;

/** A fresh lock token (24 base64url characters); no byte of the pool is used twice. */
export function newLockToken(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString("base64url", offset, offset + BYTES);
  offset += BYTES;
  return token;
}
