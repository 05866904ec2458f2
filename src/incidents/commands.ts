// The incident commands: open (or extend / reopen), re-grade, move along the lifecycle, record
// statements and actions, read. Every change goes through one atomic script in store.ts and
// lands on the timeline and the outbox. The policies (spikes.ts, refresh.ts, faults.ts,
// report-scan.ts) decide when to call these; service.ts puts them together.
import { createHash } from "node:crypto";
import type { RedisClient } from "../redis/client";
import type { IncidentsConfig, Pipeline } from "../config";
import {
  type Grade,
  type Incident,
  type IncidentEvent,
  type IncidentFigures,
  type IncidentSource,
  type IncidentState,
  type IncidentType,
  type SuppressedOpening,
  ROMAN,
} from "../domain";
import { badRequest, configInvalid, incidentConflict, incidentNotFound, invalidTransition } from "../errors";
import type { Events } from "../events";
import { grade } from "./grade";
import type { WindowShape } from "./figures";
import type { IncidentKeys } from "./keys";
import { TRANSITIONS, isLive, refuse } from "./lifecycle";
import { renderReport } from "./report";
import { readableKey, representativeText, summaryOf, titleOf } from "./title";
import { IncidentStore, type OpenOutcome } from "./store";

export interface IncidentServiceOptions {
  redis: RedisClient;
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
  /** When the evidence was detected, in stream (event) time; the opening time when absent. */
  detectedAt?: number;
  text: string;
  /** More window tags that belong to the same incident (its near-duplicate cluster). */
  aliases?: string[];
  /** Window tags the evidence's posts carry: a key silence on one of them silences this too. */
  carried?: string[];
  actor?: string;
}

export interface OpenResult {
  outcome: Exclude<OpenOutcome, "moved" | "stale">;
  /** The incident; for "silenced" the silence, for "inhibited" the inhibiting incident. */
  id: string;
  /** What was suppressed (silenced / inhibited), absent when this reference was suppressed before. */
  suppressed?: SuppressedOpening;
}

/** True when nothing was opened or extended: a silence or an inhibiting incident stopped it. */
export const wasSuppressed = (r: OpenResult): boolean => r.outcome === "silenced" || r.outcome === "inhibited";

export interface ListFilter {
  state?: IncidentState;
  type?: IncidentType;
  grade?: number;
  /** Working group. */
  group?: string;
  /** Case-insensitive search over the key, the title and the representative text. */
  q?: string;
  live?: boolean;
  limit?: number;
}

export const SYSTEM = "system";

export class IncidentCommands {
  readonly store: IncidentStore;
  readonly config: IncidentsConfig;
  readonly shape: WindowShape;
  readonly now: () => number;

  constructor(readonly o: IncidentServiceOptions) {
    if (!o.pipeline.incidents) throw configInvalid("the pipeline file has no incidents section");
    this.config = o.pipeline.incidents;
    this.shape = { bucketSeconds: o.pipeline.windows.bucketSeconds, shortBuckets: o.pipeline.detect.shortBuckets };
    this.store = new IncidentStore(o.redis, o.keys);
    this.now = o.now ?? Date.now;
  }

  emit(e: IncidentEvent | undefined): void {
    if (e) this.o.events.emit("incident", e);
  }

  /** Opens an incident, or extends / reopens the one owning one of its keys; never a duplicate. */
  async open(input: OpenInput): Promise<OpenResult> {
    const aliases = [...new Set([input.tag, ...(input.aliases ?? [])])];
    const g = this.gradeOf(input.type, input.figures, aliases);
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
        carried: input.carried,
      });
      if (r.outcome === "silenced" || r.outcome === "inhibited") {
        if (r.suppressed) this.o.events.emit("suppressed", r.suppressed);
        return { outcome: r.outcome, id: r.id, suppressed: r.suppressed };
      }
      if (r.outcome === "moved") id = r.id;
      else if (r.outcome === "stale") id = incidentId(input.type, `${input.ref}#${attempt}`);
      else {
        const e = r.event;
        this.emit(
          r.outcome === "opened" && e
            ? { ...e, detectedAfterMs: Math.max(0, (input.detectedAt ?? e.at) - input.firstEvidenceAt) }
            : e,
        );
        if (r.outcome !== "opened" && r.outcome !== "duplicate") await this.regrade(r.id, input.figures, true);
        return { outcome: r.outcome, id: r.id };
      }
    }
    throw incidentConflict(id);
  }

  /**
   * The grade of figures for an incident: the matrix, with targeted harassment by many accounts
   * (abuse on a mention target) never below `harassment.atLeast`.
   */
  gradeOf(type: IncidentType, f: IncidentFigures, tags: readonly string[]): ReturnType<typeof grade> {
    const g = grade(type, f, this.config.grading);
    const h = this.config.harassment;
    if (h && type === "abuse" && f.authors >= h.minAccounts && tags.some((t) => t.startsWith("{mention:")))
      return { ...g, grade: Math.min(g.grade, h.atLeast) as Grade, floor: `harassment by ${f.authors} accounts` };
    return g;
  }

  /**
   * Steady grades: grades on the peak of every figure seen (since the last step down), so a
   * grade escalates at once when the incident grows and never drops because the last few
   * seconds were calm. Stepping down is settle()'s job, after a quiet period.
   */
  async regrade(id: string, figures: IncidentFigures, _growOnly = true): Promise<Grade | undefined> {
    const inc = await this.store.get(id);
    if (!inc || inc.type === "technical") return inc?.grade;
    const f = maxFigures(inc.figures, figures);
    const g = this.gradeOf(inc.type, f, [`{${inc.kind}:${inc.key}}`, ...inc.aliases]);
    if (g.grade >= inc.grade) {
      await this.store.setFields(id, { figures: JSON.stringify(f) });
      return inc.grade;
    }
    const why = Object.entries(g.breakdown)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} +${v}`)
      .join(", ");
    const r = await this.store.record(id, "regraded", {
      now: this.now(),
      actor: SYSTEM,
      guard: ["grade", String(inc.grade)],
      set: { grade: String(g.grade), figures: JSON.stringify(f), regradedAt: String(this.now()) },
      extra: {
        from: inc.grade,
        figures: f,
        text: `grade ${ROMAN[inc.grade]} → ${ROMAN[g.grade]}: escalated as it grew (${g.points} points: ${why}${g.floor ? `; ${g.floor}` : ""})`,
      },
    });
    this.emit(r.event);
    return g.grade;
  }

  /**
   * Steps the grade down one step once the incident has been quiet (no new spike on its keys)
   * for `downgradeQuietSeconds`, and again only after another quiet period. The peak figures
   * restart from the current ones, so the incident escalates again only if it grows again.
   */
  async settle(id: string, current: IncidentFigures): Promise<Grade | undefined> {
    const inc = await this.store.get(id);
    if (!inc || inc.type === "technical" || inc.grade >= 4) return inc?.grade;
    const quietMs = (this.config.downgradeQuietSeconds ?? 300) * 1000;
    const now = this.now();
    const since = Math.max(inc.lastActivityAt, inc.regradedAt ?? 0, inc.openedAt);
    if (now - since < quietMs) return inc.grade;
    const to = (inc.grade + 1) as Grade;
    const floor = this.gradeOf(inc.type, current, [`{${inc.kind}:${inc.key}}`, ...inc.aliases]);
    if (floor.grade <= inc.grade) return inc.grade;
    const r = await this.store.record(id, "regraded", {
      now,
      actor: SYSTEM,
      guard: ["grade", String(inc.grade)],
      set: { grade: String(to), figures: JSON.stringify(current), regradedAt: String(now) },
      extra: {
        from: inc.grade,
        figures: current,
        text: `grade ${ROMAN[inc.grade]} → ${ROMAN[to]}: quiet for ${Math.round((now - since) / 1000)}s (no new spike), one step down`,
      },
    });
    this.emit(r.event);
    return to;
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
    const q = f.q?.trim().toLowerCase();
    const filtered = Boolean(f.q || f.grade || f.group || f.type || f.state || f.live);
    // With filters, look further back (newest first) than the page itself.
    const all = await this.store.many(await this.store.ids(0, filtered ? 2000 : Math.max(f.limit ?? 200, 1) * 5));
    return all
      .filter((i) => (f.state ? i.state === f.state : true))
      .filter((i) => (f.type ? i.type === f.type : true))
      .filter((i) => (f.live ? isLive(i.state) : true))
      .filter((i) => (f.grade ? i.grade === f.grade : true))
      .filter((i) => (f.group ? i.group === f.group : true))
      .filter((i) => (q ? [i.key, i.title, i.summary.text ?? ""].some((t) => t.toLowerCase().includes(q)) : true))
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

  /**
   * Writes the incident's title and summary from its opening key, the window tags its sampled
   * posts carry (`postTags`, for the most readable key) and its kept evidence.
   */
  async describe(id: string, postTags: readonly (readonly string[])[] = [], readable?: string): Promise<void> {
    const [inc, evidence] = await Promise.all([this.store.get(id), this.store.evidence(id)]);
    if (!inc) return;
    const text = representativeText(evidence);
    const title = titleOf({
      type: inc.type,
      kind: inc.kind,
      key: inc.key,
      readable: readable ?? readableKey({ kind: inc.kind, key: inc.key }, postTags),
      text,
    });
    const summary = summaryOf({
      figures: inc.figures,
      evidence,
      firstSeen: inc.firstEvidenceAt,
      lastSeen: inc.lastActivityAt,
      newAccountDays: this.o.pipeline.windows.newAccountDays,
      text,
    });
    // A title found once with a readable key keeps it when later evidence has none in sight.
    const keep = inc.title && !/^[A-Z][a-z ]+: /.test(inc.title) && !readable && !postTags.length;
    await this.store.setFields(id, { ...(keep ? {} : { title }), summary: JSON.stringify(summary) });
  }

  /** The live incident of a type and window tag, if any. */
  async ownerOf(type: IncidentType, tag: string): Promise<Incident | undefined> {
    const id = await this.store.ownerId(type, tag);
    return id ? this.store.get(id) : undefined;
  }
}

/** Deterministic from the evidence reference, so racing workers and replays pick the same id. */
export function incidentId(type: IncidentType, ref: string): string {
  return `INC-${type}-${createHash("sha1").update(ref).digest("hex").slice(0, 10)}`;
}

function maxFigures(a: IncidentFigures, b: IncidentFigures): IncidentFigures {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof IncidentFigures)[]) out[k] = Math.max(a[k] ?? 0, b[k]);
  return out;
}
