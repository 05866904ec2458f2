// The key names the review stage uses, as a structural slice of the one key builder
// (src/keys.ts builds them; stages never import each other, so this names only the shape).
export interface ReviewKeys {
  reviewQueue(queue: string, lead?: boolean): string;
  reviewHeld(queue: string): string;
  reviewItemPrefix(): string;
  reviewShed(): string;
  reviewDecisions(): string;
  reviewOutbox(): string;
  reviewPublished(): string;
  reviewAudit(): string;
  reviewAuditPrefix(): string;
  reviewTokens(): string;
  reviewSession(hash: string): string;
  reviewChannel(): string;
  reviewPublisherLease(): string;
  reviewGroups(): string;
  reviewGroupPrefix(): string;
  reviewAppeals(): string;
  reviewAppealsDeadLettered(): string;
}
