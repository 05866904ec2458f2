// The key names the incidents stage uses, as a structural slice of the one key builder
// (src/keys.ts builds them; stages never import each other, so this names only the shape).
import type { KeyKind } from "../domain";

export interface IncidentKeys {
  tag(kind: KeyKind, value: string): string;
  bucket(tag: string, bucketStart: number): string;
  authors(tag: string, bucketStart: number): string;
  spike(type: string, tag: string): string;
  spikes(): string;
  evidenceSample(tag: string): string;
  evidencePost(postId: string): string;
  reported(bucketStart: number): string;
  flaggedScores(hour: number): string;
  reportTargets(bucketStart: number): string;
  incident(id: string): string;
  incidentTimeline(id: string): string;
  incidentEvidence(id: string): string;
  incidentSparkline(id: string): string;
  incidentIndex(): string;
  incidentList(): string;
  incidentOutbox(): string;
  incidentLease(): string;
  silence(id: string): string;
  silencePrefix(): string;
  silences(): string;
  suppressed(): string;
  suppressedRecords(): string;
  healthProbe(): string;
}
