// IncidentService: the incidents stage's programmatic face (the CLI, the HTTP API and the worker
// extension all call it). Opens, extends, re-grades, moves and reports incidents; every change
// goes through one atomic script in store.ts and lands on the timeline and the outbox.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { IncidentsConfig, Pipeline } from "../config";
import {
  type Category,
  type Grade,
  type Incident,
  type IncidentEvent,
  type IncidentFigures,
  type IncidentSource,
  type IncidentState,
  type IncidentType,
  type Spike,
  ROMAN,
} from "../domain";
import { badRequest, configInvalid, incidentConflict, incidentNotFound, invalidTransition } from "../errors";
import type { Events } from "../events";
import { figuresOf, grade } from "./grade";
import { flaggedField, readWindow, type WindowShape } from "./figures";
import type { IncidentKeys } from "./keys";
import { TRANSITIONS, isLive, refuse } from "./lifecycle";
import { REPORT_TYPE } from "./evidence";
import { renderReport } from "./report";
import { IncidentStore, type OpenOutcome, type SampledPost } from "./store";
import { execChecked } from "../redis/client";

export interface IncidentServiceOptions {
  redis: Redis;
  keys: IncidentKeys;
  pipeline: Pipeline;
  events: Events;
  now?: () => number;
}

export interface OpenInput {
  type: IncidentType;
  source: IncidentSource;
  kind: string;
  key: string;
  /** Window tag of the opening key, e.g. "{hashtag:dam}". */
  tag: string;
  /** Evidence reference: the same reference is applied to an incident at most once. */
  ref: string;
  figures: IncidentFigures;
  firstEvidenceAt: number;
  text: string;
  /** More window tags that belong to the same incident (its near-duplicate cluster). */
  aliases?: string[];
  actor?: string;
}

export interface OpenResult {
  outcome: Exclude<OpenOutcome, "moved" | "stale">;
  id: string;
}

export interface ListFilter {
  state?: IncidentState;
  type?: IncidentType;
  live?: boolean;
  limit?: number;
}

const SYSTEM = "system";
const DAY = 86_400_000;
/** Incidents refreshed at a time by refresh(). */
const REFRESH_CONCURRENCY = 16;

/** Parses a window tag "{kind:value}". */
export function splitTag(tag: string): { kind: string; key: string } {
  const inner = tag.slice(1, -1);
  const i = inner.indexOf(":");
  return { kind: inner.slice(0, i), key: inner.slice(i + 1) };
}

export class IncidentService {
  readonly store: IncidentStore;
  readonly config: IncidentsConfig;
  private readonly shape: WindowShape;
  private readonly now: () => number;

  constructor(private readonly o: IncidentServiceOptions) {
    if (!o.pipeline.incidents) throw configInvalid("the pipeline file has no incidents section");
    this.config = o.pipeline.incidents;
    this.shape = { bucketSeconds: o.pipeline.windows.bucketSeconds, shortBuckets: o.pipeline.detect.shortBuckets };
    this.store = new IncidentStore(o.redis, o.keys);
    this.now = o.now ?? Date.now;
  }

  private emit(e: IncidentEvent | undefined): void {
    if (e) this.o.events.emit("incident", e);
  }

  /** Opens an incident, or extends / reopens the one owning one of its keys; never a duplicate. */
  async open(input: OpenInput): Promise<OpenResult> {
    const g = grade(input.type, input.figures, this.config.grading);
    const aliases = [...new Set([input.tag, ...(input.aliases ?? [])])];
    const fields = {
      grade: String(g.grade),
      figures: JSON.stringify(input.figures),
      source: input.source,
      kind: input.kind,
      key: input.key,
      group: this.config.groups[input.type],
      firstEvidenceAt: String(input.firstEvidenceAt),
    };
    let id = incidentId(input.type, input.ref);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const r = await this.store.openOrExtend({
        id,
        now: this.now(),
        coolDownMs: this.config.coolDownSeconds * 1000,
        ref: input.ref,
        type: input.type,
        fields,
        actor: input.actor ?? SYSTEM,
        text: input.text,
        aliases,
      });
      if (r.outcome === "moved") id = r.id;
      else if (r.outcome === "stale") id = incidentId(input.type, `${input.ref}#${attempt}`);
      else {
        const e = r.event;
        this.emit(
          r.outcome === "opened" && e ? { ...e, detectedAfterMs: Math.max(0, e.at - input.firstEvidenceAt) } : e,
        );
        if (r.outcome !== "opened" && r.outcome !== "duplicate") await this.regrade(r.id, input.figures, true);
        return { outcome: r.outcome, id: r.id };
      }
    }
    throw incidentConflict(id);
  }

  /** Opens or extends the incident of a spike; `ref` is its spikes-stream id. */
  async applySpike(spike: Spike, ref: string): Promise<OpenResult> {
    const tag = this.o.keys.tag(spike.kind, spike.key);
    const sample = await this.store.sample(tag);
    const w = await readWindow(
      this.o.redis,
      this.o.keys,
      tag,
      flaggedField(spike.category),
      this.shape,
      spike.detectedAt,
    );
    const figures = figuresOf(
      {
        flagged: Math.max(spike.flagged, w.now.flagged),
        posts: Math.max(spike.posts, w.now.posts),
        authors: Math.max(spike.authors, w.now.authors),
        reach: w.now.reach,
      },
      w.before,
      spike.evidence,
      this.shape.bucketSeconds * this.shape.shortBuckets,
    );
    const r = await this.open({
      type: spike.type,
      source: "spike",
      kind: spike.kind,
      key: spike.key,
      tag,
      ref,
      figures,
      // The first flagged post seen, not the start of the detector's window (up to 30 s earlier).
      firstEvidenceAt: sample.length ? Math.min(...sample.map((p) => Date.parse(p.createdAt))) : spike.windowStart,
      text: `${spike.type} spike on ${spike.kind} "${spike.key}": ${spike.reason}`,
      aliases: clusterOf(sample),
    });
    if (r.outcome !== "duplicate") {
      await this.store.keepEvidence(r.id, sample.map(stripTags), this.config.evidence.perIncident);
      await this.store.addSparkline(r.id, w.buckets);
    }
    return r;
  }

  /**
   * Re-grades from new figures. `growOnly` keeps the larger of each figure (a new spike adds
   * evidence); otherwise the figures replace the old ones (the periodic refresh sees subsiding).
   */
  async regrade(id: string, figures: IncidentFigures, growOnly = false): Promise<Grade | undefined> {
    const inc = await this.store.get(id);
    if (!inc || inc.type === "technical") return inc?.grade;
    const f = growOnly ? maxFigures(inc.figures, figures) : figures;
    const g = grade(inc.type, f, this.config.grading);
    if (g.grade === inc.grade) {
      await this.store.setFields(id, { figures: JSON.stringify(f) });
      return g.grade;
    }
    const why = Object.entries(g.breakdown)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} +${v}`)
      .join(", ");
    const r = await this.store.record(id, "regraded", {
      now: this.now(),
      actor: SYSTEM,
      guard: ["grade", String(inc.grade)],
      set: { grade: String(g.grade), figures: JSON.stringify(f) },
      extra: {
        from: inc.grade,
        figures: f,
        text: `grade ${ROMAN[inc.grade]} → ${ROMAN[g.grade]} (${g.points} points: ${why})`,
      },
    });
    this.emit(r.event);
    return g.grade;
  }

  /** Moves an incident along its lifecycle; refuses moves the plan does not allow, clearly. */
  async transition(
    id: string,
    to: IncidentState,
    o: { actor: string; assignee?: string; note?: string },
  ): Promise<Incident> {
    const inc = await this.get(id);
    const why = refuse({ from: inc.state, to, assignee: o.assignee ?? inc.assignee, note: o.note });
    if (why)
      throw invalidTransition(id, inc.state, to, TRANSITIONS[inc.state], why === "not allowed" ? undefined : why);
    const r = await this.store.transition(id, inc.state, to, {
      now: this.now(),
      actor: o.actor,
      assignee: o.assignee,
      note: o.note,
      kind: inc.state === "resolved" && to === "open" ? "reopened" : "state",
    });
    if (r.status === "missing") throw incidentNotFound(id);
    if (r.status === "conflict") throw incidentConflict(id);
    this.emit(r.event);
    return this.get(id);
  }

  /** A public statement or rebuttal (辟谣) by a lead; on the timeline and the statements topic. */
  async addStatement(id: string, text: string, actor: string): Promise<IncidentEvent> {
    return this.note(id, "statement", text, actor);
  }

  /** A response action taken (posts removed, accounts sanctioned, attack blocked, ...). */
  async recordAction(id: string, text: string, actor: string): Promise<IncidentEvent> {
    return this.note(id, "action", text, actor);
  }

  private async note(id: string, kind: "statement" | "action", text: string, actor: string): Promise<IncidentEvent> {
    if (!text.trim()) throw badRequest(`${kind} text is empty`);
    const r = await this.store.record(id, kind, { now: this.now(), actor, extra: { text } });
    if (!r.event) throw incidentNotFound(id);
    this.emit(r.event);
    return r.event;
  }

  async get(id: string): Promise<Incident> {
    const inc = await this.store.get(id);
    if (!inc) throw incidentNotFound(id);
    return inc;
  }

  async list(f: ListFilter = {}): Promise<Incident[]> {
    const all = await this.store.many(await this.store.ids(0, Math.max(f.limit ?? 200, 1) * 5));
    return all
      .filter((i) => (f.state ? i.state === f.state : true))
      .filter((i) => (f.type ? i.type === f.type : true))
      .filter((i) => (f.live ? isLive(i.state) : true))
      .slice(0, f.limit ?? 200);
  }

  timeline(id: string): Promise<IncidentEvent[]> {
    return this.store.timeline(id);
  }

  /** Response-time target: respond by this time (ms), per the incident's grade. */
  respondBy(inc: Incident): number {
    return inc.openedAt + this.config.slaMinutes[ROMAN[inc.grade]] * 60_000;
  }

  async report(id: string): Promise<string> {
    const inc = await this.get(id);
    const [timeline, evidence, sparkline] = await Promise.all([
      this.store.timeline(id),
      this.store.evidence(id),
      this.store.sparkline(id),
    ]);
    return renderReport({ incident: inc, timeline, evidence, sparkline, respondBy: this.respondBy(inc) });
  }

  /** The live incident of a type and window tag, if any. */
  async ownerOf(type: IncidentType, tag: string): Promise<Incident | undefined> {
    const id = await this.o.redis.hget(this.o.keys.incidentIndex(), `${type}|${tag}`);
    return id ? this.store.get(id) : undefined;
  }

  /**
   * One pass of the elected worker over recent incidents: re-grade live ones from the windows,
   * top up evidence and sparklines, propose resolving quiet ones, reopen resolved ones that
   * flared again within the cool-down.
   */
  async refresh(): Promise<void> {
    const now = this.now();
    const incs = (await this.store.many(await this.store.ids(now - 7 * DAY, 2000))).filter(
      (inc) => inc.state !== "reviewed" && inc.type !== "technical",
    );
    // Incidents are independent (each change is guarded in its own script), so a few are
    // refreshed at a time: one at a time, a tick took seconds once a thousand were open.
    for (let i = 0; i < incs.length; i += REFRESH_CONCURRENCY)
      await Promise.all(incs.slice(i, i + REFRESH_CONCURRENCY).map((inc) => this.refreshOne(inc, now)));
  }

  private async refreshOne(inc: Incident, now: number): Promise<void> {
    const lastDetected = await this.lastDetected(inc);
    if (inc.state === "resolved") {
      const within = now - (inc.resolvedAt ?? 0) < this.config.coolDownSeconds * 1000;
      if (within && lastDetected > (inc.resolvedAt ?? now)) {
        const r = await this.store.transition(inc.id, "resolved", "open", {
          now,
          actor: SYSTEM,
          note: "flared again within the cool-down",
          kind: "reopened",
        });
        this.emit(r.event);
      }
      return;
    }
    let activity = inc.lastActivityAt;
    if (lastDetected > activity) {
      activity = lastDetected;
      await this.store.setFields(inc.id, { lastActivityAt: lastDetected });
    }
    if (inc.source === "spike") await this.refreshFigures(inc, now);
    if (!inc.resolveProposedAt && now - activity >= this.config.quietSeconds * 1000) {
      const r = await this.store.record(inc.id, "resolve_proposed", {
        now,
        actor: SYSTEM,
        guard: ["resolveProposedAt", ""],
        set: { resolveProposedAt: String(now) },
        extra: { text: `quiet for ${Math.round((now - activity) / 1000)}s: a lead may resolve it` },
      });
      this.emit(r.event);
    }
  }

  /** Opens (or keeps alive) the grade-IV technical incident of a fault signal. */
  async reportFault(signal: string, value: number, text: string, since: number, source: string): Promise<OpenResult> {
    const r = await this.open({
      type: "technical",
      source: "technical",
      kind: "technical",
      key: signal,
      tag: `{technical:${signal}}`,
      ref: `tech:${signal}:${source}:${since}`,
      figures: { flagged: value, posts: 0, perMinute: 0, authors: 0, reach: 0, confidence: 0, growth: 1 },
      firstEvidenceAt: since,
      text,
    });
    await this.store.setFields(r.id, { lastActivityAt: this.now() });
    return r;
  }

  /** Resolves a signal's technical incident once no worker has reported the fault for `quietMs`. */
  async clearFault(signal: string, text: string, quietMs: number): Promise<Incident | undefined> {
    const inc = await this.ownerOf("technical", `{technical:${signal}}`);
    if (!inc || !isLive(inc.state) || this.now() - inc.lastActivityAt < quietMs) return undefined;
    return this.transition(inc.id, "resolved", { actor: SYSTEM, note: text });
  }

  /**
   * Opens incidents from user reports alone: a post or account reported by at least
   * `minReporters` distinct reporters over the last `windowBuckets` buckets. Distinct reporters
   * are the window key's HyperLogLog, which the pipeline fills with reporter ids.
   */
  async scanReports(): Promise<OpenResult[]> {
    const rc = this.config.reports;
    if (!rc.enabled) return [];
    const now = this.now();
    const bs = this.shape.bucketSeconds;
    const current = Math.floor(now / 1000 / bs) * bs;
    const buckets = Array.from({ length: rc.windowBuckets }, (_, i) => current - i * bs);
    const sets = buckets.map((b) => this.o.keys.reported(b));
    const flat = (await this.o.redis.call("ZUNION", sets.length, ...sets, "WITHSCORES")) as (string | string[])[];
    const list = flat.flat();
    const out: OpenResult[] = [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      const member = list[i] ?? "";
      const count = Number(list[i + 1]);
      if (count < rc.minReporters) continue;
      const bar = member.indexOf("|");
      const reason = member.slice(0, bar) as keyof typeof REPORT_TYPE;
      const tag = member.slice(bar + 1);
      const reporters = await this.o.redis.pfcount(...buckets.map((b) => this.o.keys.authors(tag, b)));
      if (reporters < rc.minReporters) continue;
      const type = REPORT_TYPE[reason] ?? "abuse";
      const { kind, key } = splitTag(tag);
      const windowSeconds = bs * rc.windowBuckets;
      out.push(
        await this.open({
          type,
          source: "reports",
          kind,
          key,
          tag,
          // One reference per cool-down period: a continuing flood extends once, not every tick.
          ref: `reports:${type}:${tag}:${Math.floor(now / (this.config.coolDownSeconds * 1000))}`,
          figures: figuresOf({ flagged: count, posts: count, authors: reporters, reach: 0 }, 0, 0, windowSeconds),
          firstEvidenceAt: (buckets[buckets.length - 1] ?? current) * 1000,
          text: `${reporters} distinct reporters reported ${kind} "${key}" (${reason})`,
        }),
      );
    }
    return out;
  }

  private async lastDetected(inc: Incident): Promise<number> {
    const pipe = this.o.redis.pipeline();
    for (const tag of inc.aliases.slice(0, 16)) pipe.hget(this.o.keys.spike(inc.type, tag), "lastDetectedAt");
    const rows = await execChecked(pipe);
    return Math.max(0, ...rows.map(([, v]) => Number(v ?? 0)));
  }

  private async refreshFigures(inc: Incident, now: number): Promise<void> {
    const category = inc.type as Category;
    let best: Awaited<ReturnType<typeof readWindow>> | undefined;
    for (const tag of inc.aliases.slice(0, 8)) {
      const w = await readWindow(this.o.redis, this.o.keys, tag, flaggedField(category), this.shape, now);
      if (!best || w.now.flagged > best.now.flagged) best = w;
    }
    if (!best) return;
    const pipe = this.o.redis.pipeline();
    for (const tag of inc.aliases.slice(0, 16)) pipe.hget(this.o.keys.spike(inc.type, tag), "evidence");
    const ev = Math.max(0, ...(await execChecked(pipe)).map(([, v]) => Number(v ?? 0)));
    await this.regrade(
      inc.id,
      figuresOf(best.now, best.before, ev, this.shape.bucketSeconds * this.shape.shortBuckets),
    );
    await this.store.addSparkline(inc.id, best.buckets);
    const samples = await Promise.all(inc.aliases.slice(0, 4).map((t) => this.store.sample(t)));
    await this.store.keepEvidence(inc.id, samples.flat().map(stripTags), this.config.evidence.perIncident);
  }
}

/** Deterministic from the evidence reference, so racing workers and replays pick the same id. */
export function incidentId(type: IncidentType, ref: string): string {
  return `INC-${type}-${createHash("sha1").update(ref).digest("hex").slice(0, 10)}`;
}

/**
 * The near-duplicate cluster of a key: the MinHash band keys carried by at least a quarter of
 * its sampled posts (at least two). Lightly edited copies share only some of their four bands
 * (see windows/minhash.ts), so "most posts" would miss bands the detector does spike on. A rumour spiking on a hashtag and on its text's band keys is one
 * incident; a band key shared by a single post is not enough to merge two incidents.
 */
/**
 * Keys that tie spikes to one incident when a quarter of the evidence shares them: the text's
 * near-duplicate clusters, the account being talked at (a pile-on arrives as several insult
 * texts aimed at one target) and the link being pushed.
 */
const RELATED = ["{cluster:", "{mention:", "{url:"];

export function clusterOf(sample: readonly SampledPost[]): string[] {
  const counts = new Map<string, number>();
  for (const p of sample)
    for (const t of p.tags) if (RELATED.some((k) => t.startsWith(k))) counts.set(t, (counts.get(t) ?? 0) + 1);
  const min = Math.max(2, Math.ceil(sample.length / 4));
  return [...counts].filter(([, n]) => n >= min).map(([t]) => t);
}

function stripTags({ tags: _tags, ...p }: SampledPost) {
  return p;
}

function maxFigures(a: IncidentFigures, b: IncidentFigures): IncidentFigures {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof IncidentFigures)[]) out[k] = Math.max(a[k] ?? 0, b[k]);
  return out;
}
