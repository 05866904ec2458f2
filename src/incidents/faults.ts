// Technical faults (技术故障): each worker's health watcher opens or keeps alive the grade-IV
// technical incident of a signal, and resolves it once no worker has reported it for a while.
import type { Incident } from "../domain";
import { SYSTEM, wasSuppressed, type IncidentCommands, type OpenResult } from "./commands";
import { isLive } from "./lifecycle";

/** Opens (or keeps alive) the grade-IV technical incident of a fault signal. */
export async function reportFault(
  c: IncidentCommands,
  signal: string,
  value: number,
  text: string,
  since: number,
  source: string,
): Promise<OpenResult> {
  const r = await c.open({
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
  if (!wasSuppressed(r)) await c.store.setFields(r.id, { lastActivityAt: c.now() });
  return r;
}

/** Resolves a signal's technical incident once no worker has reported the fault for `quietMs`. */
export async function clearFault(
  c: IncidentCommands,
  signal: string,
  text: string,
  quietMs: number,
): Promise<Incident | undefined> {
  const inc = await c.ownerOf("technical", `{technical:${signal}}`);
  if (!inc || !isLive(inc.state) || c.now() - inc.lastActivityAt < quietMs) return undefined;
  return c.transition(inc.id, "resolved", { actor: SYSTEM, note: text });
}
