// The one key builder: every Redis key modstream writes is named here.
// Each aggregated key's hash tag ({kind:value}) keeps all its buckets on one Redis Cluster shard.
import { createHash } from "node:crypto";

import type { KeyKind } from "./domain";

export type { KeyKind };

const SAFE = /^[\p{L}\p{N}_.:/@#-]{1,80}$/u;

/** Values that could break a hash tag or bloat key names are replaced by a short digest. */
export function keyValue(value: string): string {
  return SAFE.test(value) ? value : "h." + createHash("sha1").update(value).digest("base64url").slice(0, 16);
}

/** FNV-1a, 32-bit: a cheap, stable hash (sampling by post id, candidate sub-sets by member). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The candidate sets of one key kind are split by member into this many sub-sets, each with its
 * own hash tag, so that no Redis Cluster slot is written by every post (docs/scale-out.md).
 */
export const CANDIDATE_SHARDS = 16;

/** The candidate sub-set a member (a key's value) lives in. */
export const candidateShard = (member: string): number => fnv1a(member) % CANDIDATE_SHARDS;

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

  /** SCAN pattern for every bucket of one key. */
  bucketPattern(tag: string): string {
    return `${this.prefix}:${tag}:b:*`;
  }

  /** Guard hash of one candidate sub-set's sets in one bucket (see lua/count-candidates.lua). */
  candidateGuard(kind: KeyKind, bucketStart: number, shard: number): string {
    return `${this.prefix}:{cand:${kind}:${shard}}:g:${bucketStart}`;
  }

  /**
   * Sorted set of a kind's keys by posts ("posts") or by flagged posts of a category, in one
   * sub-set (`candidateShard(value)` of its members); the detector reads all sub-sets together.
   */
  candidates(kind: KeyKind, measure: string, bucketStart: number, shard: number): string {
    return `${this.prefix}:{cand:${kind}:${shard}}:z:${measure}:${bucketStart}`;
  }

  /** Keys the detector is watching (member "kind|value", score = watch-until ms). */
  hot(): string {
    return `${this.prefix}:{hot}`;
  }

  /** Lease that elects one detector among the workers. */
  detectorLease(): string {
    return `${this.prefix}:{detector}:lease`;
  }

  /** First and latest detection of one spike (a hash), the dedupe point for incidents. */
  spike(type: string, tag: string): string {
    return `${this.prefix}:{spike:${type}:${tag.slice(1, -1)}}`;
  }

  /** Stream clock: the latest event time (ms) each worker has applied (a sorted set, member = worker). */
  streamClock(): string {
    return `${this.prefix}:{detector}:clock`;
  }

  /** Late posts' event times (member = latest late event time of a bucket, score = wall time seen), for the detector. */
  lateBuckets(): string {
    return `${this.prefix}:{detector}:late`;
  }

  /** Near-duplicate cluster identity of one period: MinHash band → the cluster's first band (a hash). */
  clusterAlias(period: number): string {
    return `${this.prefix}:{clusters}:alias:${period}`;
  }

  /** Cluster merges recorded by the detector (a capped list of JSON). */
  clusterMerges(): string {
    return `${this.prefix}:{clusters}:merges`;
  }

  /** Stream of detected spikes, for incidents and drills. */
  spikes(): string {
    return `${this.prefix}:{spikes}`;
  }

  /** Distinct authors of one key in one time bucket (a HyperLogLog). */
  authors(tag: string, bucketStart: number): string {
    return `${this.prefix}:${tag}:a:${bucketStart}`;
  }

  // Incidents (src/incidents). Every incident key shares the {inc} hash tag, so one Lua script can
  // update an incident, the dedupe index and the outbox atomically on Redis Cluster too.

  /** Evidence sample of one window key (a hash of slots, see incidents/lua/sample-add.lua). */
  evidenceSample(tag: string): string {
    return `${this.prefix}:${tag}:ev`;
  }

  /** The one copy of a sampled post (its JSON) that every evidence sample holding it points to. */
  evidencePost(postId: string): string {
    return `${this.prefix}:${this.tag("post", postId)}:evp`;
  }

  /** Keys reported in one time bucket, by report count (candidates for report-opened incidents). */
  reported(bucketStart: number): string {
    return `${this.prefix}:{reported}:z:${bucketStart}`;
  }

  /** Highest model score of each flagged post seen in one hour (a hash post id → score), to judge reports. */
  flaggedScores(hour: number): string {
    return `${this.prefix}:{reported}:flagged:${hour}`;
  }

  /** Reported post ↔ its author in one time bucket (a hash "{post:..}" → "{author:..}" and back). */
  reportTargets(bucketStart: number): string {
    return `${this.prefix}:{reported}:targets:${bucketStart}`;
  }

  /** One incident (a hash). */
  incident(id: string): string {
    return `${this.prefix}:{inc}:i:${id}`;
  }

  /** An incident's timeline (a list of JSON events, oldest first). */
  incidentTimeline(id: string): string {
    return `${this.prefix}:{inc}:t:${id}`;
  }

  /** An incident's kept evidence (a hash post id → JSON copy of the post). */
  incidentEvidence(id: string): string {
    return `${this.prefix}:{inc}:e:${id}`;
  }

  /** An incident's sparkline (a hash bucket start → flagged posts). */
  incidentSparkline(id: string): string {
    return `${this.prefix}:{inc}:s:${id}`;
  }

  /** Dedupe index: "type|tag" → incident id, and "closed:id" → resolution time. */
  incidentIndex(): string {
    return `${this.prefix}:{inc}:index`;
  }

  /** Every incident id by opening time (a sorted set). */
  incidentList(): string {
    return `${this.prefix}:{inc}:all`;
  }

  /** Incident events waiting to be published to Kafka / Alertmanager (a stream). */
  incidentOutbox(): string {
    return `${this.prefix}:{inc}:outbox`;
  }

  /** Lease electing the one worker that re-grades and watches quiet incidents. */
  incidentLease(): string {
    return `${this.prefix}:{inc}:lease`;
  }

  /** One silence (a JSON string), kept until a while after it ends (see incidents/silences.ts). */
  silence(id: string): string {
    return `${this.prefix}:{inc}:silence:${id}`;
  }

  /** Prefix of silence keys; the open-or-extend script appends the silence id. */
  silencePrefix(): string {
    return `${this.prefix}:{inc}:silence:`;
  }

  /** Every silence id by its end (a sorted set, score = endsAt ms; an expired one, its expiry). */
  silences(): string {
    return `${this.prefix}:{inc}:silences`;
  }

  /** Openings suppressed by a silence or an inhibiting incident: evidence reference by time (a sorted set). */
  suppressed(): string {
    return `${this.prefix}:{inc}:suppressed`;
  }

  /** The suppressed openings' records (a hash: evidence reference → JSON). */
  suppressedRecords(): string {
    return `${this.prefix}:{inc}:suppressed:r`;
  }

  /** Key a worker writes to measure Redis latency (technical incidents). */
  healthProbe(): string {
    return `${this.prefix}:{health}:probe`;
  }

  // Review (src/review). Every review key shares the {review} hash tag, so one Lua script can move
  // an item between its queue, the claims and the outbox, and append the audit log, atomically.

  /** A queue's waiting items (a sorted set by priority; `lead` holds items escalated to a lead). */
  reviewQueue(queue: string, lead = false): string {
    return `${this.prefix}:{review}:${lead ? "lq" : "q"}:${queue}`;
  }

  /** A queue's claimed items by lease expiry (a sorted set). */
  reviewHeld(queue: string): string {
    return `${this.prefix}:{review}:held:${queue}`;
  }

  /** Single posts shed because their queue was full (a capped stream). */
  reviewShed(): string {
    return `${this.prefix}:{review}:shed`;
  }

  /** Prefix of review item hashes; the scripts append the item id. */
  reviewItemPrefix(): string {
    return `${this.prefix}:{review}:item:`;
  }

  /** Decisions by decision id (a hash of JSON), the exactly-once point. */
  reviewDecisions(): string {
    return `${this.prefix}:{review}:decisions`;
  }

  /** Moderation actions waiting to be published to Kafka (a stream), and the ones that were. */
  reviewOutbox(): string {
    return `${this.prefix}:{review}:outbox`;
  }

  reviewPublished(): string {
    return `${this.prefix}:{review}:published`;
  }

  /** The audit log (a stream); per-incident and per-moderator copies share the entry ids. */
  reviewAudit(): string {
    return `${this.prefix}:{review}:audit`;
  }

  reviewAuditPrefix(): string {
    return `${this.prefix}:{review}:audit:`;
  }

  /** API tokens by SHA-256 of the token (a hash of JSON). */
  reviewTokens(): string {
    return `${this.prefix}:{review}:tokens`;
  }

  /** One UI session, by SHA-256 of the session id (a string with a TTL). */
  reviewSession(hash: string): string {
    return `${this.prefix}:{review}:session:${hash}`;
  }

  /** Pub/sub channel of queue changes, for live updates. */
  reviewChannel(): string {
    return `${this.prefix}:{review}:changes`;
  }

  /** Near-duplicate groups of single posts: MinHash band → the waiting item that collects its copies (a hash). */
  reviewGroups(): string {
    return `${this.prefix}:{review}:groups`;
  }

  /** Prefix of a group's members (post → author hash; ":a" the accounts set); the item id follows. */
  reviewGroupPrefix(): string {
    return `${this.prefix}:{review}:group:`;
  }

  /**
   * Appeals by appeal id ("id:<appeal id>" → its fingerprint) and by decision ("d:<decision id>" →
   * the appeal id): one appeal per decision, and a redelivered appeal is recognised (a hash).
   */
  reviewAppeals(): string {
    return `${this.prefix}:{review}:appeals`;
  }

  /** Per appeals-topic partition, the last offset dead-lettered ("<topic>:<partition>" → offset; a hash). */
  reviewAppealsDeadLettered(): string {
    return `${this.prefix}:{review}:appeals:dl`;
  }

  /** Lease electing the one publisher of moderation actions. */
  reviewPublisherLease(): string {
    return `${this.prefix}:{review}:publisher`;
  }
}
