// Silences: a lead silences a key, a key kind or an incident type for a set time, with a reason.
// A matching spike or report flood opens and extends nothing (lua/open-or-extend-8.lua checks the
// silences in the same script as the opening, so a silence set just before the evidence wins);
// it is recorded as suppressed instead. Each silence is its own Redis key, expiring a while after
// it ends (AOF keeps it across a restart), indexed by its end in one sorted set.
import { randomBytes } from "node:crypto";
import {
  INCIDENT_TYPES,
  KEY_KINDS,
  type AuditKind,
  type IncidentType,
  type KeyKind,
  type Silence,
  type SilenceInput,
  type SilenceMatcher,
  type SuppressedOpening,
} from "../domain";
import { badRequest, notFound } from "../errors";
import { execChecked, type RedisClient } from "../redis/client";
import type { IncidentKeys } from "./keys";

/** The longest silence: a key silenced for longer than a month should be a plan change instead. */
export const MAX_SILENCE_MS = 30 * 86_400_000;
/** Ended silences stay listable (`list({ all: true })`) this long, then Redis drops them. */
export const SILENCE_HISTORY_MS = 7 * 86_400_000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "2h", "1d", "1h30m" → ms; undefined when the text is not such a duration. */
export function durationOf(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (!/^(\d{1,6}[smhd])+$/.test(t)) return undefined;
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * (UNITS[unit ?? "s"] ?? 0);
  return ms;
}

/** A silence's duration (see durationOf); anything else, zero, or past MAX_SILENCE_MS is refused. */
export function parseDuration(text: string): number {
  const ms = durationOf(text);
  if (ms === undefined) throw badRequest(`duration "${text}" is not like 30m, 2h, 1d or 1h30m (units s, m, h, d)`);
  if (ms <= 0) throw badRequest(`duration "${text}" is zero`);
  if (ms > MAX_SILENCE_MS) throw badRequest(`duration "${text}" is longer than the 30 days a silence may last`);
  return ms;
}

export interface SilencesOptions {
  redis: RedisClient;
  keys: IncidentKeys;
  /**
   * A key's value as the windows count it (hashtags without "#" and lower-cased, URLs canonical):
   * the composer passes the windows stage's normalisation, which this stage may not import.
   */
  normaliseKey: (kind: KeyKind, value: string) => string;
  /** Appends the audit log (review/audit.ts, passed in by the composer). */
  audit?: (e: { actor: string; kind: AuditKind; what: string; why?: string }) => Promise<unknown>;
  now?: () => number;
}

/** A stored silence: the domain form and the window tag a key matcher compares. */
type Stored = Silence & { tag?: string };

export class Silences {
  private readonly now: () => number;

  constructor(private readonly o: SilencesOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Validates, stores and audits a silence; it applies from the moment this resolves. */
  async add(input: SilenceInput, actor: string): Promise<Silence> {
    const matcher = this.matcherOf(input);
    const reason = input.reason.trim();
    if (!reason) throw badRequest("a silence needs a reason");
    if (reason.length > 500) throw badRequest("the reason is longer than 500 characters");
    const now = this.now();
    const s: Stored = {
      id: `SIL-${randomBytes(5).toString("hex")}`,
      matcher,
      reason,
      createdBy: actor,
      createdAt: now,
      endsAt: now + parseDuration(input.for),
      ...(matcher.kind && matcher.key ? { tag: this.o.keys.tag(matcher.kind, matcher.key) } : {}),
    };
    await this.write(s);
    await this.o.audit?.({
      actor,
      kind: "silence_add",
      what: `silence ${s.id} on ${describeMatcher(matcher)} until ${new Date(s.endsAt).toISOString()}`,
      why: reason,
    });
    return strip(s);
  }

  /** Ends a silence now; matching evidence opens incidents again from the next spike. */
  async expire(id: string, actor: string): Promise<Silence> {
    const s = await this.read(id);
    if (!s) throw notFound(`silence ${id}`);
    const now = this.now();
    if (s.expiredAt || s.endsAt <= now) throw badRequest(`silence ${id} has already ended`);
    const ended: Stored = { ...s, expiredAt: now, expiredBy: actor };
    await this.write(ended);
    await this.o.audit?.({
      actor,
      kind: "silence_expire",
      what: `silence ${id} on ${describeMatcher(s.matcher)} expired early (it was to end ${new Date(s.endsAt).toISOString()})`,
      why: s.reason,
    });
    return strip(ended);
  }

  async get(id: string): Promise<Silence> {
    const s = await this.read(id);
    if (!s) throw notFound(`silence ${id}`);
    return strip(s);
  }

  /** Active silences, ending soonest first; with `all`, also those ended in the last week. */
  async list(o: { all?: boolean } = {}): Promise<Silence[]> {
    const now = this.now();
    const k = this.o.keys;
    await this.o.redis.zremrangebyscore(k.silences(), "-inf", `(${now - SILENCE_HISTORY_MS}`);
    const ids = await this.o.redis.zrangebyscore(k.silences(), o.all ? "-inf" : `(${now}`, "+inf");
    if (ids.length === 0) return [];
    const rows = await this.o.redis.mget(...ids.map((id) => k.silence(id)));
    const out = rows.flatMap((r) => (r ? [strip(JSON.parse(r) as Stored)] : []));
    return o.all ? out.sort((a, b) => b.createdAt - a.createdAt) : out.filter((s) => isActive(s, now));
  }

  /** Openings silenced or inhibited recently, newest first. */
  async suppressed(limit = 100): Promise<SuppressedOpening[]> {
    const k = this.o.keys;
    const refs = await this.o.redis.zrevrange(k.suppressed(), 0, Math.max(1, limit) - 1);
    if (refs.length === 0) return [];
    const rows = await this.o.redis.hmget(k.suppressedRecords(), ...refs);
    return rows.flatMap((r) => (r ? [JSON.parse(r) as SuppressedOpening] : []));
  }

  private matcherOf(input: SilenceInput): SilenceMatcher {
    const kind = input.kind?.trim() || undefined;
    const key = input.key?.trim() || undefined;
    const type = input.type?.trim() || undefined;
    if (!kind && !key && !type) throw badRequest("a silence matches a key (kind and key), a key kind or a type");
    if (key && !kind) throw badRequest(`key "${key}" needs its kind (${KEY_KINDS.join(", ")})`);
    if (kind && !(KEY_KINDS as readonly string[]).includes(kind))
      throw badRequest(`kind must be one of ${KEY_KINDS.join(", ")}`);
    if (type && !(INCIDENT_TYPES as readonly string[]).includes(type))
      throw badRequest(`type must be one of ${INCIDENT_TYPES.join(", ")}`);
    if (key && key.length > 200) throw badRequest("the key is longer than 200 characters");
    const k = kind as KeyKind | undefined;
    const value = k && key ? this.o.normaliseKey(k, key) : undefined;
    if (key && !value) throw badRequest(`"${key}" is not a ${kind} key`);
    return {
      ...(k ? { kind: k } : {}),
      ...(value ? { key: value } : {}),
      ...(type ? { type: type as IncidentType } : {}),
    };
  }

  private async read(id: string): Promise<Stored | undefined> {
    if (!/^SIL-[0-9a-f]{10}$/.test(id)) return undefined;
    const raw = await this.o.redis.get(this.o.keys.silence(id));
    return raw ? (JSON.parse(raw) as Stored) : undefined;
  }

  /** The silence's key lives until a week after it ends; the index scores it by when it stops applying. */
  private async write(s: Stored): Promise<void> {
    const k = this.o.keys;
    const until = s.expiredAt ?? s.endsAt;
    await execChecked(
      this.o.redis
        .multi()
        .set(k.silence(s.id), JSON.stringify(s), "PXAT", until + SILENCE_HISTORY_MS)
        .zadd(k.silences(), until, s.id),
    );
  }
}

export const isActive = (s: Silence, now: number): boolean => !s.expiredAt && s.endsAt > now;

/** "hashtag "foo" (rumour)", "every mention key", "every attack incident". */
export function describeMatcher(m: SilenceMatcher): string {
  const what = m.key ? `${m.kind} "${m.key}"` : m.kind ? `every ${m.kind} key` : "";
  if (!m.type) return what;
  return what ? `${what} (${m.type} only)` : `every ${m.type} incident`;
}

function strip({ tag: _tag, ...s }: Stored): Silence {
  return s;
}
