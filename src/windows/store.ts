// Redis side of the windows: applies a batch's bucket updates idempotently and keeps each
// partition's bookkeeping, so a batch re-delivered after a crash is never counted twice.
//
// Per partition, a mark hash holds `inflight` (last offset of the batch being applied) and
// `applied` (last offset whose effects are all in Redis). A batch:
//   1. skips messages at or below `applied` (fully counted before),
//   2. writes `inflight`, then its bucket updates (each bucket guards itself with the offset),
//   3. writes `applied`; only then are the Kafka offsets committed.
// A crash between 2 and 3 leaves some buckets counted: the replay sees offsets at or below
// `inflight`, reads those buckets' guards and skips what they already hold.
import { defineScripts } from "../redis/scripts";
import type { ChainableCommander } from "ioredis";
import type { Events } from "../events";
import { CANDIDATE_SHARDS, type Keys } from "../keys";
import { bucketId, type BucketUpdate } from "./aggregate";
import { candidateId, type CandidateUpdate } from "./candidates";
import { CATEGORIES } from "../domain";
import { batch, execChecked, waitForReplicas, type RedisClient } from "../redis/client";

/** Buckets per script call: large enough to spread the call's cost, small enough that one call
 * never blocks Redis for long (a call of 200 buckets ran in about 2 ms here). */
const BUCKETS_PER_CALL = 200;

/**
 * Script calls for a step's updates: runs of at most `perCall` on a single Redis; on a Redis
 * Cluster, where a script's keys must share a slot, one run per hash tag (`slotOf`).
 */
function runs<T>(updates: readonly T[], clustered: boolean, perCall: number, slotOf: (u: T) => string): T[][] {
  if (!clustered) {
    const out: T[][] = [];
    for (let from = 0; from < updates.length; from += perCall) out.push(updates.slice(from, from + perCall));
    return out;
  }
  const bySlot = new Map<string, T[]>();
  for (const u of updates) {
    const id = slotOf(u);
    const run = bySlot.get(id);
    if (run) run.push(u);
    else bySlot.set(id, [u]);
  }
  return [...bySlot.values()];
}

/** Bucket updates per call: up to BUCKETS_PER_CALL of any keys, or one key's buckets on a Cluster. */
export const scriptRuns = (updates: readonly BucketUpdate[], clustered: boolean) =>
  runs(updates, clustered, BUCKETS_PER_CALL, (u) => u.tag);

/** Candidate groups (one kind's sub-set in one bucket) per script call on a single Redis. */
const GROUPS_PER_CALL = 32;

/** Candidate updates per call: up to GROUPS_PER_CALL groups, or one sub-set's buckets on a Cluster. */
export const candidateRuns = (updates: readonly CandidateUpdate[], clustered: boolean) =>
  runs(updates, clustered, GROUPS_PER_CALL, (u) => `${u.kind}|${u.shard}`);

type Client = RedisClient & {
  applyBuckets(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  countCandidates(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
};

export interface PartitionMark {
  applied: number;
  inflight: number;
}

export interface WindowStoreOptions {
  redis: RedisClient;
  keys: Keys;
  retentionSeconds: number;
  bookkeepingTtlSeconds: number;
  /** Members each candidate set keeps when it is trimmed. */
  candidatesKept?: number;
  events: Events;
}

export class RedisWindowStore {
  private readonly redis: Client;

  constructor(private readonly o: WindowStoreOptions) {
    this.redis = defineScripts<Client>(o.redis, new URL("./lua/", import.meta.url), {
      applyBuckets: "apply-buckets.lua",
      countCandidates: "count-candidates.lua",
    });
  }

  private async timed<T>(op: string, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const out = await run();
    this.o.events.emit("redisOp", { op, ms: performance.now() - t0 });
    return out;
  }

  async readMark(topic: string, partition: number): Promise<PartitionMark> {
    const [applied, inflight] = await this.timed("mark_read", () =>
      this.redis.hmget(this.o.keys.partitionMark(topic, partition), "applied", "inflight"),
    );
    return { applied: applied === null ? -1 : Number(applied), inflight: inflight === null ? -1 : Number(inflight) };
  }

  private writeMark(topic: string, partition: number, field: "applied" | "inflight", offset: number) {
    const key = this.o.keys.partitionMark(topic, partition);
    return this.timed(`mark_${field}`, () =>
      execChecked(this.redis.multi().hset(key, field, offset).expire(key, this.o.bookkeepingTtlSeconds)),
    );
  }

  beginBatch = (topic: string, partition: number, lastOffset: number) =>
    this.writeMark(topic, partition, "inflight", lastOffset);

  /** Resolves once a replica holds the step's writes (a Redis Cluster; see waitForReplicas). */
  replicated = () => this.timed("replicas_wait", () => waitForReplicas(this.redis));

  endBatch = (topic: string, partition: number, lastOffset: number) =>
    this.writeMark(topic, partition, "applied", lastOffset);

  /** Offsets the given buckets already hold for this partition (used only when replaying). */
  async loadGuards(
    topic: string,
    partition: number,
    buckets: Iterable<{ tag: string; bucketStart: number }>,
  ): Promise<Map<string, number>> {
    const list = [...buckets];
    const field = `g:${topic}:${partition}`;
    const pipe = batch(this.redis);
    for (const b of list) pipe.hget(this.o.keys.bucket(b.tag, b.bucketStart), field);
    const replies = await this.timed("guards_read", () => execChecked(pipe));
    const guards = new Map<string, number>();
    list.forEach((b, i) => {
      const [err, value] = replies[i] ?? [];
      if (err) throw err;
      if (value !== null && value !== undefined) guards.set(bucketId(b.tag, b.bucketStart), Number(value));
    });
    return guards;
  }

  /**
   * Applies every bucket update, in script calls of `scriptRuns`, all in one pipeline (one per
   * node on a Cluster); resolves when Redis has all of them.
   */
  async applyBuckets(topic: string, partition: number, lastOffset: number, updates: BucketUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const field = `g:${topic}:${partition}`;
    const pipe = batch(this.redis) as unknown as Client;
    for (const chunk of scriptRuns(updates, this.redis.isCluster)) {
      const keys: string[] = [];
      const args: (string | number)[] = [field, lastOffset, this.o.retentionSeconds];
      for (const u of chunk) {
        keys.push(this.o.keys.bucket(u.tag, u.bucketStart), this.o.keys.authors(u.tag, u.bucketStart));
        args.push(u.counts.size, u.authors.size);
        for (const [f, inc] of u.counts) args.push(f, inc);
        for (const a of u.authors) args.push(a);
      }
      void pipe.applyBuckets(keys.length, ...keys, ...args);
    }
    const replies = await this.timed("apply_buckets", () => execChecked(pipe as unknown as ChainableCommander));
    for (const [err] of replies) if (err) throw err;
  }

  /** Offsets the given candidate sets already hold for this partition (used only when replaying). */
  async loadCandidateGuards(
    topic: string,
    partition: number,
    sets: Iterable<{ kind: CandidateUpdate["kind"]; shard: number; bucketStart: number }>,
  ): Promise<Map<string, number>> {
    const list = [...sets];
    const pipe = batch(this.redis);
    for (const c of list)
      pipe.hget(this.o.keys.candidateGuard(c.kind, c.bucketStart, c.shard), `g:${topic}:${partition}`);
    const replies = await this.timed("guards_read", () => execChecked(pipe));
    const guards = new Map<string, number>();
    list.forEach((c, i) => {
      const [err, value] = replies[i] ?? [];
      if (err) throw err;
      if (value !== null && value !== undefined) guards.set(candidateId(c.kind, c.shard, c.bucketStart), Number(value));
    });
    return guards;
  }

  /**
   * Adds a step's candidate tallies, in script calls of `candidateRuns`, all in one pipeline (one
   * per node on a Cluster). Each sub-set keeps its share of `candidatesKept` when trimmed.
   */
  async applyCandidates(topic: string, partition: number, lastOffset: number, updates: CandidateUpdate[]) {
    if (updates.length === 0) return;
    const k = this.o.keys;
    const keep = Math.ceil((this.o.candidatesKept ?? 1000) / CANDIDATE_SHARDS);
    const pipe = batch(this.redis) as unknown as Client;
    for (const run of candidateRuns(updates, this.redis.isCluster)) {
      const keys: string[] = [];
      const args: (string | number)[] = [`g:${topic}:${partition}`, lastOffset, this.o.retentionSeconds, keep];
      for (const u of run) {
        keys.push(
          k.candidateGuard(u.kind, u.bucketStart, u.shard),
          k.candidates(u.kind, "posts", u.bucketStart, u.shard),
        );
        for (const c of CATEGORIES) keys.push(k.candidates(u.kind, c, u.bucketStart, u.shard));
        for (const set of [u.posts, ...CATEGORIES.map((c) => u.flagged[c])]) {
          args.push(set.size);
          for (const [member, inc] of set) args.push(member, inc);
        }
      }
      void pipe.countCandidates(keys.length, ...keys, ...args);
    }
    const replies = await this.timed("apply_candidates", () => execChecked(pipe as unknown as ChainableCommander));
    for (const [err] of replies) if (err) throw err;
  }

  /** Keys ("kind|value") the detector asked workers to count in full; the caller caches them. */
  async readHot(nowMs: number): Promise<Set<string>> {
    const members = await this.timed("hot_read", () => this.redis.zrangebyscore(this.o.keys.hot(), nowMs, "+inf"));
    return new Set(members);
  }

  /** Sums one counter of one key over [fromSec, toSec) — for reads, tests and drills. */
  async sumCounter(tag: string, field: string, fromSec: number, toSec: number, bucketSeconds: number): Promise<number> {
    const pipe = this.redis.pipeline();
    for (let t = Math.floor(fromSec / bucketSeconds) * bucketSeconds; t < toSec; t += bucketSeconds)
      pipe.hget(this.o.keys.bucket(tag, t), field);
    const replies = await execChecked(pipe);
    return replies.reduce((sum, [, v]) => sum + (v ? Number(v) : 0), 0);
  }
}
