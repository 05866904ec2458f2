// Spike → incident: the figures of a detected spike from its window, its near-duplicate cluster
// from the evidence sample, and the evidence and sparkline copied into the incident.
import type { Spike } from "../domain";
import { wasSuppressed, type IncidentCommands, type OpenResult } from "./commands";
import { figuresOf } from "./grade";
import { flaggedField, readWindow } from "./figures";
import type { SampledPost } from "./store";

/** Opens or extends the incident of a spike; `ref` is its spikes-stream id. */
export async function applySpike(c: IncidentCommands, spike: Spike, ref: string): Promise<OpenResult> {
  const tag = c.o.keys.tag(spike.kind, spike.key);
  const sample = await c.store.sample(tag);
  const w = await readWindow(c.o.redis, c.o.keys, tag, flaggedField(spike.category), c.shape, spike.detectedAt);
  const figures = figuresOf(
    {
      flagged: Math.max(spike.flagged, w.now.flagged),
      posts: Math.max(spike.posts, w.now.posts),
      authors: Math.max(spike.authors, w.now.authors),
      reach: w.now.reach,
    },
    w.before,
    spike.evidence,
    c.shape.bucketSeconds * c.shape.shortBuckets,
  );
  const r = await c.open({
    type: spike.type,
    source: "spike",
    kind: spike.kind,
    key: spike.key,
    tag,
    ref,
    figures,
    // The first flagged post seen, not the start of the detector's window (up to 30 s earlier).
    firstEvidenceAt: sample.length ? Math.min(...sample.map((p) => Date.parse(p.createdAt))) : spike.windowStart,
    // Time to detect in stream time: a backlog's burst is judged as it happened.
    detectedAt: spike.detectedAt,
    text: `${spike.type} spike on ${spike.kind} "${spike.key}": ${spike.reason}`,
    aliases: clusterOf(sample),
    carried: carriedBy(sample),
  });
  if (r.outcome !== "duplicate" && !wasSuppressed(r)) {
    await c.store.keepEvidence(r.id, sample.map(stripTags), c.config.evidence.perIncident);
    await c.store.addSparkline(r.id, w.buckets);
    await c.describe(
      r.id,
      sample.map((p) => p.tags),
    );
  }
  return r;
}

/**
 * Keys that tie spikes to one incident when a quarter of the evidence shares them: the text's
 * near-duplicate clusters, the account being talked at (a pile-on arrives as several insult
 * texts aimed at one target) and the link being pushed.
 */
const RELATED = ["{cluster:", "{mention:", "{url:"];

/**
 * The near-duplicate cluster of a key: the related keys carried by at least a quarter of its
 * sampled posts (at least two). Lightly edited copies share only some of their four bands (see
 * windows/minhash.ts), so "most posts" would miss bands the detector does spike on. A rumour
 * spiking on a hashtag and on its text's band keys is one incident; a band key shared by a
 * single post is not enough to merge two incidents.
 */
export function clusterOf(sample: readonly SampledPost[]): string[] {
  return carriedBy(sample).filter((t) => RELATED.some((k) => t.startsWith(k)));
}

/**
 * Every window tag carried by at least a quarter of the sampled posts (at least two), as for the
 * cluster: a burst on a silenced hashtag that also spikes on its text's band keys is silenced there too.
 */
export function carriedBy(sample: readonly SampledPost[]): string[] {
  const counts = new Map<string, number>();
  for (const p of sample) for (const t of p.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const min = Math.max(2, Math.ceil(sample.length / 4));
  return [...counts].filter(([, n]) => n >= min).map(([t]) => t);
}

export function stripTags({ tags: _tags, ...p }: SampledPost) {
  return p;
}
