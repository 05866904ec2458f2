// Redis side of incidents: the atomic scripts (lua/*.lua) and plain reads. No policy here; the
// service decides what to open, grade and move, this module makes each change atomic.
import { defineScripts } from "../redis/scripts";
import type { Redis } from "ioredis";
import type { RedisClient } from "../redis/client";
import {
  INCIDENT_TYPES,
  type EvidencePost,
  type Incident,
  type IncidentEvent,
  type IncidentState,
  type SuppressedOpening,
} from "../domain";
import type { IncidentKeys } from "./keys";
import { batch, execChecked } from "../redis/client";
import { showKey, titleOf } from "./title";

type Reply = [string, string, string?];
// The command interface is ioredis's (a Cluster client has the same commands).
type Client = Redis & {
  incOpenOrExtend(...keysAndArgs: (string | number)[]): Promise<Reply>;
  incTransition(...keysAndArgs: (string | number)[]): Promise<Reply>;
  incRecord(...keysAndArgs: (string | number)[]): Promise<Reply>;
  incSampleAdd(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
};

export type OpenOutcome =
  "opened" | "extended" | "reopened" | "duplicate" | "moved" | "stale" | "silenced" | "inhibited";

/**
 * Inhibition: a live incident of grade I or II on a key keeps a new incident of grade III or IV
 * (of another type) on the same key from opening (docs/incidents.md, "Silences and inhibition").
 */
export const INHIBITING_GRADE = 2;
export const INHIBITED_FROM = 3;
/** Suppressed openings kept for the API and UI: the newest this many, for at most this long. */
export const SUPPRESSED_KEPT = 1000;
export const SUPPRESSED_RETAIN_MS = 7 * 86_400_000;

export interface OpenArgs {
  id: string;
  now: number;
  coolDownMs: number;
  ref: string;
  type: string;
  fields: Record<string, string>;
  actor: string;
  text: string;
  aliases: string[];
  /** More window tags a key silence matches: those the evidence's sampled posts carry. */
  carried?: string[];
}

/** A post in a window key's evidence sample, with the window tags it was counted under. */
export interface SampledPost extends EvidencePost {
  tags: string[];
}

/**
 * The posts of one key's evidence sample (see lua/sample-add.lua): each slot's post id, read
 * from the post's one copy. A copy that has expired is left out. Slots written before the copies
 * were shared ("p<slot>" = the JSON) are read as they are.
 */
export async function readSample(
  redis: RedisClient,
  keys: Pick<IncidentKeys, "evidenceSample" | "evidencePost">,
  tag: string,
): Promise<SampledPost[]> {
  const h = await redis.hgetall(keys.evidenceSample(tag));
  const posts: SampledPost[] = [];
  const ids: string[] = [];
  for (const [field, v] of Object.entries(h)) {
    if (field.startsWith("p")) posts.push(JSON.parse(v) as SampledPost);
    else if (field.startsWith("i") && h[`p${field.slice(1)}`] === undefined) ids.push(v);
  }
  if (ids.length === 0) return posts;
  const pipe = batch(redis);
  for (const id of ids) pipe.get(keys.evidencePost(id));
  for (const [, json] of await execChecked(pipe))
    if (typeof json === "string") posts.push(JSON.parse(json) as SampledPost);
  return posts;
}

const NUMERIC = new Set([
  "grade",
  "firstEvidenceAt",
  "openedAt",
  "updatedAt",
  "lastActivityAt",
  "assessingAt",
  "respondingAt",
  "resolvedAt",
  "reviewedAt",
  "resolveProposedAt",
  "regradedAt",
  "reopenCount",
]);

/** An incident hash as the domain type (internal fields such as ref:* are dropped). */
export function parseIncident(h: Record<string, string>): Incident | undefined {
  if (!h.id || !h.state) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith("ref:")) continue;
    if (NUMERIC.has(k)) out[k] = Number(v);
    else if (k === "figures" || k === "aliases" || k === "summary") out[k] = JSON.parse(v) as unknown;
    else out[k] = v;
  }
  const inc = out as unknown as Incident;
  // Incidents stored before titles were written get the title their opening key gives.
  inc.title ??= titleOf({ type: inc.type, kind: inc.kind, key: inc.key, readable: showKey(inc.kind, inc.key) });
  inc.summary ??= {
    accounts: inc.figures?.authors ?? 0,
    newAccounts: 0,
    reach: inc.figures?.reach ?? 0,
    firstSeen: inc.firstEvidenceAt,
    lastSeen: inc.lastActivityAt,
    ratePerMin: inc.figures?.perMinute ?? 0,
  };
  return inc;
}

export class IncidentStore {
  readonly redis: Client;

  constructor(
    redis: RedisClient,
    readonly keys: IncidentKeys,
  ) {
    this.redis = defineScripts<Client>(redis, new URL("./lua/", import.meta.url), {
      incOpenOrExtend: "open-or-extend-8.lua",
      incTransition: "transition-4.lua",
      incRecord: "record-3.lua",
      incSampleAdd: "sample-add.lua",
    });
  }

  /**
   * One open-or-extend decision (lua/open-or-extend-8.lua). For "silenced" / "inhibited", `id` is
   * the silence / the inhibiting incident and `suppressed` the record (absent when this reference
   * was suppressed before).
   */
  async openOrExtend(a: OpenArgs): Promise<{
    outcome: OpenOutcome;
    id: string;
    event?: IncidentEvent;
    suppressed?: SuppressedOpening;
  }> {
    const k = this.keys;
    const ctx = {
      carried: a.carried ?? [],
      types: INCIDENT_TYPES.filter((t) => t !== a.type),
      inhibitingGrade: INHIBITING_GRADE,
      inhibitedFrom: INHIBITED_FROM,
      keep: SUPPRESSED_KEPT,
      retainMs: SUPPRESSED_RETAIN_MS,
    };
    const [outcome, id, json] = await this.redis.incOpenOrExtend(
      k.incidentIndex(),
      k.incident(a.id),
      k.incidentTimeline(a.id),
      k.incidentOutbox(),
      k.incidentList(),
      k.silences(),
      k.suppressed(),
      k.suppressedRecords(),
      a.id,
      a.now,
      a.coolDownMs,
      a.ref,
      a.type,
      JSON.stringify(a.fields),
      a.actor,
      a.text,
      k.silencePrefix(),
      JSON.stringify(ctx),
      ...a.aliases,
    );
    const o = outcome as OpenOutcome;
    if (o === "silenced" || o === "inhibited")
      return { outcome: o, id, suppressed: json ? (JSON.parse(json) as SuppressedOpening) : undefined };
    return { outcome: o, id, event: json ? (JSON.parse(json) as IncidentEvent) : undefined };
  }

  async transition(
    id: string,
    from: IncidentState,
    to: IncidentState,
    o: { now: number; actor: string; assignee?: string; note?: string; kind: "state" | "reopened" },
  ): Promise<{ status: "ok" | "missing" | "conflict"; event?: IncidentEvent; current?: string }> {
    const k = this.keys;
    const [status, payload] = await this.redis.incTransition(
      k.incident(id),
      k.incidentTimeline(id),
      k.incidentOutbox(),
      k.incidentIndex(),
      id,
      from,
      to,
      o.now,
      o.actor,
      o.assignee ?? "",
      o.note ?? "",
      o.kind,
    );
    if (status === "ok") return { status, event: JSON.parse(payload) as IncidentEvent };
    return { status: status as "missing" | "conflict", current: payload };
  }

  /** Records a timeline event; `guard` = [field, value] must hold ("" = field absent). */
  async record(
    id: string,
    kind: IncidentEvent["kind"],
    o: {
      now: number;
      actor: string;
      guard?: [string, string];
      set?: Record<string, string>;
      extra?: Partial<IncidentEvent>;
    },
  ): Promise<{ status: "ok" | "missing" | "guarded"; event?: IncidentEvent }> {
    const k = this.keys;
    const [status, payload] = await this.redis.incRecord(
      k.incident(id),
      k.incidentTimeline(id),
      k.incidentOutbox(),
      o.now,
      kind,
      o.actor,
      o.guard?.[0] ?? "",
      o.guard?.[1] ?? "",
      JSON.stringify(o.set ?? {}),
      JSON.stringify(o.extra ?? {}),
    );
    if (status === "ok") return { status, event: JSON.parse(payload) as IncidentEvent };
    return { status: status as "missing" | "guarded" };
  }

  async get(id: string): Promise<Incident | undefined> {
    return parseIncident(await this.redis.hgetall(this.keys.incident(id)));
  }

  async timeline(id: string): Promise<IncidentEvent[]> {
    const rows = await this.redis.lrange(this.keys.incidentTimeline(id), 0, -1);
    return rows.map((r) => JSON.parse(r) as IncidentEvent);
  }

  /** Incident ids opened at or after `sinceMs`, newest first, at most `limit`. */
  async ids(sinceMs = 0, limit = 1000): Promise<string[]> {
    return this.redis.zrevrangebyscore(this.keys.incidentList(), "+inf", sinceMs, "LIMIT", 0, limit);
  }

  async many(ids: readonly string[]): Promise<Incident[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.incident(id));
    const rows = await execChecked(pipe);
    const out: Incident[] = [];
    for (const [err, h] of rows) {
      if (err) throw err;
      const inc = parseIncident(h as Record<string, string>);
      if (inc) out.push(inc);
    }
    return out;
  }

  async setFields(id: string, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(this.keys.incident(id), fields);
  }

  async clearField(id: string, field: string): Promise<void> {
    await this.redis.hdel(this.keys.incident(id), field);
  }

  /** Offers a post to the reservoir samples of the window keys it was counted under (see lua/sample-add.lua). */
  sampleAdd(
    pipe: ReturnType<RedisClient["pipeline"]>,
    tags: readonly string[],
    post: SampledPost,
    cap: number,
    ttl: number,
  ): void {
    if (tags.length === 0) return;
    // One copy of the post, however many samples take it; the samples hold its id. Rewriting it on
    // a replay writes the same bytes.
    pipe.set(this.keys.evidencePost(post.id), JSON.stringify(post), "EX", ttl);
    // On a Redis Cluster a script's keys must share a slot: one call per window key there.
    const runs = this.redis.isCluster ? tags.map((t) => [t]) : [tags];
    for (const run of runs)
      void (pipe as unknown as Pick<Client, "incSampleAdd">).incSampleAdd(
        run.length,
        ...run.map((t) => this.keys.evidenceSample(t)),
        cap,
        ttl,
        post.id,
        ...run.map(() => Math.random()),
      );
  }

  async sample(tag: string): Promise<SampledPost[]> {
    return readSample(this.redis, this.keys, tag);
  }

  /** Copies posts into the incident's own evidence, up to `cap` posts; returns how many are kept. */
  async keepEvidence(id: string, posts: readonly EvidencePost[], cap: number): Promise<number> {
    const key = this.keys.incidentEvidence(id);
    let have = await this.redis.hlen(key);
    const pipe = this.redis.pipeline();
    for (const p of posts) {
      if (have >= cap) break;
      pipe.hsetnx(key, p.id, JSON.stringify(p));
      have++;
    }
    await execChecked(pipe);
    return this.redis.hlen(key);
  }

  async evidence(id: string): Promise<EvidencePost[]> {
    const h = await this.redis.hgetall(this.keys.incidentEvidence(id));
    return Object.values(h)
      .map((v) => JSON.parse(v) as EvidencePost)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async addSparkline(id: string, points: readonly [number, number][]): Promise<void> {
    if (points.length === 0) return;
    await this.redis.hset(this.keys.incidentSparkline(id), Object.fromEntries(points.map(([b, n]) => [b, n])));
  }

  async sparkline(id: string): Promise<[number, number][]> {
    const h = await this.redis.hgetall(this.keys.incidentSparkline(id));
    return Object.entries(h)
      .map(([b, n]) => [Number(b), Number(n)] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  }

  /** The incident owning "type|tag" in the dedupe index, if any. */
  async ownerId(type: string, tag: string): Promise<string | null> {
    return this.redis.hget(this.keys.incidentIndex(), `${type}|${tag}`);
  }

  /** One numeric field of the spike records of a type's window tags (0 where absent). */
  async spikeFields(type: string, tags: readonly string[], field: string): Promise<number[]> {
    if (tags.length === 0) return [];
    const pipe = batch(this.redis);
    for (const tag of tags) pipe.hget(this.keys.spike(type, tag), field);
    return (await execChecked(pipe)).map(([, v]) => Number(v ?? 0));
  }

  /** Reported members ("reason|tag") summed over the buckets' report sets, with their counts. */
  async reportedOver(buckets: readonly number[]): Promise<[string, number][]> {
    const sets = buckets.map((b) => this.keys.reported(b));
    const flat = (await this.redis.call("ZUNION", sets.length, ...sets, "WITHSCORES")) as (string | string[])[];
    // Redis answers [member, score, ...] (RESP2) or [[member, score], ...] (RESP3).
    const list = flat.flat();
    const out: [string, number][] = [];
    for (let i = 0; i + 1 < list.length; i += 2) out.push([list[i] ?? "", Number(list[i + 1])]);
    return out;
  }

  /** The reported post ↔ author pairing of a report tag over the buckets (newest first), if any. */
  async reportTarget(tag: string, buckets: readonly number[]): Promise<string | undefined> {
    for (const b of buckets) {
      const t = await this.redis.hget(this.keys.reportTargets(b), tag);
      if (t) return t;
    }
    return undefined;
  }

  /** Highest model score of a post (its window tag) when it was flagged within the last hours; undefined if never flagged. */
  async flaggedScore(postTag: string, nowMs: number, hours = 3): Promise<number | undefined> {
    const h = Math.floor(nowMs / 3_600_000);
    for (let i = 0; i < hours; i++) {
      const v = await this.redis.hget(this.keys.flaggedScores(h - i), postTag);
      if (v !== null) return Number(v);
    }
    return undefined;
  }

  /** Distinct authors (for a reported key: reporters) of a window tag over the buckets. */
  async distinctAuthors(tag: string, buckets: readonly number[]): Promise<number> {
    return this.redis.pfcount(...buckets.map((b) => this.keys.authors(tag, b)));
  }

  /** True when this worker holds (or just took) the incident lease. */
  async holdLease(id: string, ttlMs: number): Promise<boolean> {
    const key = this.keys.incidentLease();
    if ((await this.redis.set(key, id, "PX", ttlMs, "NX")) === "OK") return true;
    if ((await this.redis.get(key)) !== id) return false;
    await this.redis.pexpire(key, ttlMs);
    return true;
  }
}
