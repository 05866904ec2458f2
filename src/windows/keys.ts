// The one key builder: every Redis key modstream writes is named here.
// Each aggregated key's hash tag ({kind:value}) keeps all its buckets on one Redis Cluster shard.
import { createHash } from "node:crypto";

export type KeyKind = "stream" | "hashtag" | "url" | "domain" | "cluster" | "mention" | "author";

const SAFE = /^[\p{L}\p{N}_.:/@#-]{1,80}$/u;

/** Values that could break a hash tag or bloat key names are replaced by a short digest. */
export function keyValue(value: string): string {
  return SAFE.test(value) ? value : "h." + createHash("sha1").update(value).digest("base64url").slice(0, 16);
}

export class Keys {
  constructor(readonly prefix: string) {}

  /** Applied / in-flight offsets of one topic partition (see windows/store.ts). */
  partitionMark(topic: string, partition: number): string {
    return `${this.prefix}:{part:${topic}:${partition}}:mark`;
  }

  tag(kind: KeyKind, value: string): string {
    return `{${kind}:${keyValue(value)}}`;
  }

  /** Counters of one key in one time bucket (a hash). */
  bucket(tag: string, bucketStart: number): string {
    return `${this.prefix}:${tag}:b:${bucketStart}`;
  }

  /** Distinct authors of one key in one time bucket (a HyperLogLog). */
  authors(tag: string, bucketStart: number): string {
    return `${this.prefix}:${tag}:a:${bucketStart}`;
  }
}
