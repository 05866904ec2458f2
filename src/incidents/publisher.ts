// Publishes incident events from the Redis outbox: every event to the incidents topic (keyed by
// incident id, so one incident's events stay in order), statements also to the statements topic,
// and, when configured, alerts to Prometheus Alertmanager. The outbox is written in the same
// script as the change, and an entry is acknowledged only after Kafka has it: at-least-once.
import type { RedisClient } from "../redis/client";
import type { Producer } from "kafkajs";
import { type IncidentEvent, ROMAN } from "../domain";

import type { IncidentKeys } from "./keys";
import { StreamGroupReader } from "../redis/stream";

export const OUTBOX_GROUP = "publisher";

export interface PublisherOptions {
  redis: RedisClient;
  keys: IncidentKeys;
  producer: Producer;
  consumer: string;
  incidentsTopic: string;
  statementsTopic: string;
  alertmanager?: { url: string; timeoutMs: number };
  claimIdleMs?: number;
  /** Creates the statements topic; called once, before the first statement is published. */
  ensureStatementsTopic?: () => Promise<void>;
  onAlertError?: (err: Error) => void;
}

/** The Alertmanager v2 alert for an incident event: grade as severity, ended once resolved. */
export function toAlert(e: IncidentEvent, group?: string) {
  const ended = e.state === "resolved" || e.state === "reviewed";
  return {
    labels: {
      alertname: "ModstreamIncident",
      incident: e.incidentId,
      type: e.type,
      severity: ROMAN[e.grade],
      ...(group ? { group } : {}),
    },
    annotations: {
      summary: `${e.type} incident ${e.incidentId}, grade ${ROMAN[e.grade]}: ${e.kind}`,
      description: e.text ?? "",
    },
    startsAt: new Date(e.at).toISOString(),
    // A live incident's alert stays up a day unless a later event ends or renews it.
    endsAt: new Date(ended ? e.at : e.at + 86_400_000).toISOString(),
  };
}

export class Publisher {
  private statementsTopic: Promise<void> | undefined;
  private readonly reader: StreamGroupReader;

  constructor(private readonly o: PublisherOptions) {
    this.reader = new StreamGroupReader({
      redis: o.redis,
      stream: o.keys.incidentOutbox(),
      group: OUTBOX_GROUP,
      consumer: o.consumer,
      claimIdleMs: o.claimIdleMs,
    });
  }

  async poll(): Promise<number> {
    const entries = await this.reader.read(100);
    if (entries.length === 0) return 0;
    const events = entries.map((e) => JSON.parse(e.field("event") ?? "{}") as IncidentEvent);
    const messages = events.map((e) => ({ key: e.incidentId, value: JSON.stringify(e) }));
    const statements = messages.filter((_, i) => events[i]?.kind === "statement");
    if (statements.length && this.o.ensureStatementsTopic) {
      this.statementsTopic ??= this.o.ensureStatementsTopic();
      await this.statementsTopic.catch((err: unknown) => {
        this.statementsTopic = undefined;
        throw err;
      });
    }
    await this.o.producer.sendBatch({
      topicMessages: [
        { topic: this.o.incidentsTopic, messages },
        ...(statements.length ? [{ topic: this.o.statementsTopic, messages: statements }] : []),
      ],
    });
    if (this.o.alertmanager?.url) await this.alert(events).catch((err: Error) => this.o.onAlertError?.(err));
    await this.reader.ack(
      entries.map((e) => e.id),
      true,
    );
    return entries.length;
  }

  private async alert(events: IncidentEvent[]): Promise<void> {
    const am = this.o.alertmanager;
    if (!am) return;
    // The latest event per incident is its alert's current state.
    const latest = new Map(events.map((e) => [e.incidentId, e]));
    const res = await fetch(`${am.url.replace(/\/$/, "")}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([...latest.values()].map((e) => toAlert(e))),
      signal: AbortSignal.timeout(am.timeoutMs),
    });
    if (!res.ok) throw new Error(`alertmanager answered ${res.status}: ${await res.text()}`);
  }
}
