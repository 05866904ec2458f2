// The refresh policy, run by the one worker holding the incident lease each tick: re-grade live
// incidents from the current windows, top up evidence and sparklines, propose resolving quiet
// ones, reopen resolved ones that flared again within the cool-down.
import type { Category, Incident } from "../domain";
import { SYSTEM, type IncidentCommands } from "./commands";
import { figuresOf } from "./grade";
import { flaggedField, readWindow } from "./figures";
import { stripTags } from "./spikes";

const DAY = 86_400_000;
/** Incidents refreshed at a time. */
const REFRESH_CONCURRENCY = 16;

export async function refresh(c: IncidentCommands): Promise<void> {
  const now = c.now();
  const incs = (await c.store.many(await c.store.ids(now - 7 * DAY, 2000))).filter(
    (inc) => inc.state !== "reviewed" && inc.type !== "technical",
  );
  // Incidents are independent (each change is guarded in its own script), so a few are
  // refreshed at a time: one at a time, a tick took seconds once a thousand were open.
  for (let i = 0; i < incs.length; i += REFRESH_CONCURRENCY)
    await Promise.all(incs.slice(i, i + REFRESH_CONCURRENCY).map((inc) => refreshOne(c, inc, now)));
}

async function refreshOne(c: IncidentCommands, inc: Incident, now: number): Promise<void> {
  const lastDetected = Math.max(
    0,
    ...(await c.store.spikeFields(inc.type, inc.aliases.slice(0, 16), "lastDetectedAt")),
  );
  if (inc.state === "resolved") {
    const within = now - (inc.resolvedAt ?? 0) < c.config.coolDownSeconds * 1000;
    if (within && lastDetected > (inc.resolvedAt ?? now)) {
      const r = await c.store.transition(inc.id, "resolved", "open", {
        now,
        actor: SYSTEM,
        note: "flared again within the cool-down",
        kind: "reopened",
      });
      c.emit(r.event);
    }
    return;
  }
  let activity = inc.lastActivityAt;
  if (lastDetected > activity) {
    activity = lastDetected;
    await c.store.setFields(inc.id, { lastActivityAt: lastDetected });
  }
  if (inc.source === "spike") await refreshFigures(c, inc, now);
  if (!inc.resolveProposedAt && now - activity >= c.config.quietSeconds * 1000) {
    const r = await c.store.record(inc.id, "resolve_proposed", {
      now,
      actor: SYSTEM,
      guard: ["resolveProposedAt", ""],
      set: { resolveProposedAt: String(now) },
      extra: { text: `quiet for ${Math.round((now - activity) / 1000)}s: a lead may resolve it` },
    });
    c.emit(r.event);
  }
}

async function refreshFigures(c: IncidentCommands, inc: Incident, now: number): Promise<void> {
  const category = inc.type as Category;
  let best: Awaited<ReturnType<typeof readWindow>> | undefined;
  for (const tag of inc.aliases.slice(0, 8)) {
    const w = await readWindow(c.o.redis, c.o.keys, tag, flaggedField(category), c.shape, now);
    if (!best || w.now.flagged > best.now.flagged) best = w;
  }
  if (!best) return;
  const ev = Math.max(0, ...(await c.store.spikeFields(inc.type, inc.aliases.slice(0, 16), "evidence")));
  const current = figuresOf(best.now, best.before, ev, c.shape.bucketSeconds * c.shape.shortBuckets);
  if ((await c.regrade(inc.id, current)) === inc.grade) await c.settle(inc.id, current);
  await c.store.addSparkline(inc.id, best.buckets);
  const samples = await Promise.all(inc.aliases.slice(0, 4).map((t) => c.store.sample(t)));
  await c.store.keepEvidence(inc.id, samples.flat().map(stripTags), c.config.evidence.perIncident);
  await c.describe(
    inc.id,
    samples.flat().map((p) => p.tags),
  );
}
