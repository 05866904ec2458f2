// The queues view: queue counts with SLA timers, the waiting items (a group of near-duplicate copies
// is one item), the claimed item with its post or incident page, and decisions by keyboard. An
// appeal shows the author's words and the decision contested, decided by uphold or overturn.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Claim, type IncidentPage, type Principal, type QueueCounts, type ReviewItem } from "./api";
import { APPEAL_DECISIONS, AppealView } from "./appeal";
import { IncidentDetail } from "./incident";
import { GradeBadge, GroupLine, PostView, Sla } from "./parts";
import { useKeys } from "./keys";

export const DECISIONS: { kind: string; key: string; label: string }[] = [
  { kind: "remove_post", key: "r", label: "Remove post" },
  { kind: "label_rumour", key: "l", label: "Label rumour" },
  { kind: "warn_author", key: "w", label: "Warn author" },
  { kind: "suspend_author", key: "s", label: "Suspend author" },
  { kind: "dismiss", key: "d", label: "Dismiss (false positive)" },
  { kind: "escalate", key: "e", label: "Escalate to lead" },
];

function ItemBody({ item }: { item: ReviewItem }) {
  return (
    <>
      {item.appeal ? <AppealView appeal={item.appeal} /> : null}
      {item.group ? <GroupLine group={item.group} /> : null}
      {item.post ? <PostView post={item.post} /> : null}
    </>
  );
}

function QueueList({ queues, current, pick }: { queues: QueueCounts[]; current: string; pick: (q: string) => void }) {
  return (
    <section>
      <h2>Queues</h2>
      <ul data-testid="queues">
        {queues.map((q) => (
          <li
            key={q.queue}
            class={`queue${q.queue === current ? " active" : ""}`}
            data-testid={`queue-${q.queue}`}
            onClick={() => pick(q.queue)}
          >
            <span>
              {q.queue}
              <br />
              <small>{q.group}</small>
            </span>
            <span class="counts">
              <span data-testid={`count-${q.queue}`}>{q.waiting}</span> waiting · {q.claimed} claimed
              {q.escalated ? ` · ${q.escalated} escalated` : ""}
              {q.nextDueAt ? (
                <>
                  <br />
                  <Sla dueAt={q.nextDueAt} />
                </>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function QueuesView({ me, version }: { me: Principal; version: number }) {
  const [queues, setQueues] = useState<QueueCounts[]>([]);
  const [queue, setQueue] = useState("rumour");
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [claim, setClaim] = useState<Claim | undefined>();
  const [incident, setIncident] = useState<IncidentPage | undefined>();
  const [message, setMessage] = useState("");
  const [reason, setReason] = useState("");
  const [rebuttal, setRebuttal] = useState("");
  const [loaded, setLoaded] = useState(0);

  const refresh = async () => {
    const [q, page] = await Promise.all([api.queues(), api.items(queue)]);
    setQueues(q.queues);
    setItems(page.items);
    setLoaded((n) => n + 1);
  };
  const hold = async (c: Claim | null) => {
    setClaim(c ?? undefined);
    setIncident(c?.item.incidentId ? await api.incident(c.item.incidentId) : undefined);
  };

  // An item already held (a reload, a reassignment) comes back first.
  useEffect(() => {
    void api.claims().then((r) => hold(r.claims[0] ?? null));
  }, []);
  useEffect(() => {
    void refresh();
  }, [queue, version]);
  // The lease is renewed while an item is held.
  useEffect(() => {
    if (!claim) return;
    const t = setInterval(() => void api.renew(claim).catch(() => undefined), 60_000);
    return () => clearInterval(t);
  }, [claim]);

  const claimNext = async () => {
    if (claim) return;
    const c = await api.claim(queue);
    await hold(c);
    setMessage(c ? "" : "The queue is empty.");
    await refresh();
  };
  const decide = async (kind: string) => {
    if (!claim) return;
    const copies = claim.item.group?.copies;
    try {
      await api.decide(claim, kind, reason.trim() || kind, crypto.randomUUID(), rebuttal.trim() || undefined);
      setClaim(undefined);
      setIncident(undefined);
      setReason("");
      setRebuttal("");
      setMessage(`Decided: ${kind}${copies ? ` (${copies} copies)` : ""}`);
    } catch (err) {
      setMessage(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    }
    await refresh();
  };
  const release = async () => {
    if (!claim) return;
    await api.release(claim).catch(() => undefined);
    setClaim(undefined);
    setIncident(undefined);
    await refresh();
  };

  // An appeal takes uphold / overturn (and escalate); every other item the moderation decisions.
  const decisions = claim?.item.kind === "appeal" ? APPEAL_DECISIONS : DECISIONS;
  useKeys((e) => {
    if (e.key === "c") void claimNext();
    else if (e.key === "u") void release();
    else {
      const d = decisions.find((x) => x.key === e.key);
      if (d && claim) void decide(d.kind);
    }
  });

  return (
    <main class="queues-view" data-loaded={loaded}>
      <QueueList queues={queues} current={queue} pick={setQueue} />
      <section>
        <h2>
          Waiting in {queue}{" "}
          <button data-testid="claim" onClick={() => void claimNext()}>
            Claim next<kbd>c</kbd>
          </button>
        </h2>
        <div data-testid="items">
          {items.map((i) => (
            <div class="item" key={i.id} data-testid="item" data-id={i.id}>
              <GradeBadge grade={i.grade} />
              {i.reason} <Sla dueAt={i.dueAt} />
              <ItemBody item={i} />
            </div>
          ))}
          {items.length === 0 ? <p>Nothing waiting.</p> : null}
        </div>
      </section>
      {claim ? (
        <section data-testid="current">
          <h2>
            Current item <GradeBadge grade={claim.item.grade} />
          </h2>
          <div data-testid="current-id">{claim.item.id}</div>
          <div>
            {claim.item.reason} · <Sla dueAt={claim.item.dueAt} />
          </div>
          <ItemBody item={claim.item} />
          {incident ? <IncidentDetail page={incident} me={me} /> : null}
          <input
            data-testid="reason"
            placeholder="why (kept in the audit log)"
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          {claim.item.appeal ? null : (
            <textarea
              data-testid="rebuttal"
              placeholder="rebuttal (for a rumour label)"
              rows={2}
              value={rebuttal}
              onInput={(e) => setRebuttal(e.currentTarget.value)}
            />
          )}
          <div class="actions">
            {decisions.map((d) => (
              <button key={d.kind} data-testid={`decide-${d.kind}`} onClick={() => void decide(d.kind)}>
                {d.label}
                {claim.item.group ? ` (all ${claim.item.group.copies})` : ""}
                <kbd>{d.key}</kbd>
              </button>
            ))}
            <button onClick={() => void release()}>
              Give back<kbd>u</kbd>
            </button>
          </div>
          <div class="error" data-testid="message">
            {message}
          </div>
        </section>
      ) : (
        <section data-testid="current">
          <h2>Current item</h2>
          <p data-testid="message">{message || "Press c to claim the next item."}</p>
        </section>
      )}
    </main>
  );
}
