// Per-step tallies for the heavy-hitter candidate sets: per key kind, sub-set and bucket, posts
// per key and flagged posts per key and category. Pure.
import { CATEGORIES, type Category } from "../domain";
import { candidateShard, type KeyKind } from "../keys";

export interface CandidateUpdate {
  kind: KeyKind;
  /** The sub-set (`candidateShard` of the members): one hash tag, one Redis Cluster slot. */
  shard: number;
  bucketStart: number;
  posts: Map<string, number>;
  flagged: Record<Category, Map<string, number>>;
}

export const candidateId = (kind: KeyKind, shard: number, bucketStart: number) => `${kind}|${shard}|${bucketStart}`;

export class CandidateAggregate {
  private readonly sets = new Map<string, CandidateUpdate>();

  /** @param guards after a crash, the offset each (kind, bucket) already holds for this partition. */
  constructor(private readonly guards?: ReadonlyMap<string, number>) {}

  add(
    kind: KeyKind,
    value: string,
    bucketStart: number,
    offset: number,
    flagged: readonly Category[],
    weight = 1,
  ): void {
    const shard = candidateShard(value);
    const id = candidateId(kind, shard, bucketStart);
    const guard = this.guards?.get(id);
    if (guard !== undefined && offset <= guard) return;
    let u = this.sets.get(id);
    if (!u) {
      u = {
        kind,
        shard,
        bucketStart,
        posts: new Map(),
        flagged: Object.fromEntries(CATEGORIES.map((c) => [c, new Map()])) as CandidateUpdate["flagged"],
      };
      this.sets.set(id, u);
    }
    u.posts.set(value, (u.posts.get(value) ?? 0) + weight);
    for (const c of flagged) u.flagged[c].set(value, (u.flagged[c].get(value) ?? 0) + 1);
  }

  updates(): CandidateUpdate[] {
    return [...this.sets.values()];
  }
}
