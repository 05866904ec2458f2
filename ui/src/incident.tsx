// One incident as a moderator reads it: title, summary, respond-by, sparkline, timeline,
// statements, decisions and evidence. Shown under a claimed incident item and on the incidents page.
import { useEffect, useState } from "preact/hooks";
import { api, type AuditEntry, type IncidentPage, type Principal } from "./api";
import { clock, compact, titleOf } from "./format";
import { GradeBadge, Scores, Sla, Sparkline } from "./parts";

function Summary({ page }: { page: IncidentPage }) {
  const s = page.incident.summary;
  const f = page.incident.figures;
  if (!s)
    // Before the API summarises an incident, the grading figures say much the same.
    return (
      <div class="summary counts" data-testid="incident-summary">
        {f.flagged} flagged posts · {f.authors} accounts · reach {compact(f.reach)} · {f.perMinute.toFixed(1)}/min ·
        first evidence {clock(page.incident.firstEvidenceAt)}
      </div>
    );
  return (
    <div class="summary" data-testid="incident-summary">
      <div class="counts">
        {s.accounts} accounts ({s.newAccounts} new) · reach {compact(s.reach)} · {s.ratePerMin.toFixed(1)}/min · seen{" "}
        {clock(s.firstSeen)}–{clock(s.lastSeen)}
      </div>
      {s.text ? (
        <div class="post-text" data-testid="summary-text">
          {s.text}
        </div>
      ) : null}
    </div>
  );
}

function StatementForm({ id, onDone }: { id: string; onDone: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const submit = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    api
      .statement(id, text.trim())
      .then(() => {
        setText("");
        setError("");
        onDone();
      })
      .catch((err: Error) => setError(err.message));
  };
  return (
    <form class="statement" onSubmit={submit}>
      <textarea
        data-testid="statement-text"
        rows={2}
        placeholder="progress statement or rebuttal (published)"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit" data-testid="statement-submit">
        Publish statement
      </button>
      {error ? <span class="error">{error}</span> : null}
    </form>
  );
}

/** Decisions on the incident: its "action" timeline entries, and for leads the audit log's. */
function useDecisions(id: string, me: Principal | undefined, version: number): AuditEntry[] {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const lead = me?.role === "lead" || me?.role === "admin";
  useEffect(() => {
    if (!lead) return;
    let live = true;
    api
      .audit(id)
      .then((r) => live && setEntries(r.entries.filter((e) => e.kind === "decide").reverse()))
      .catch(() => live && setEntries([]));
    return () => void (live = false);
  }, [id, lead, version]);
  return lead ? entries : [];
}

export function IncidentDetail({
  page,
  me,
  version = 0,
  onChange,
}: {
  page: IncidentPage;
  me?: Principal;
  /** Changes whenever the page was re-read (live updates), so the decisions are re-read too. */
  version?: number;
  onChange?: () => void;
}) {
  const inc = page.incident;
  const statements = page.timeline.filter((e) => e.kind === "statement");
  const actions = page.timeline.filter((e) => e.kind === "action");
  const decisions = useDecisions(inc.id, me, version);
  const lead = me?.role === "lead" || me?.role === "admin";
  return (
    <div class="incident" data-testid="incident" data-id={inc.id}>
      <h3>
        <GradeBadge grade={inc.grade} />
        <span data-testid="incident-title">{titleOf(inc)}</span>
      </h3>
      <div class="counts" data-testid="incident-meta">
        {inc.id} · {inc.type} · {inc.kind} "{inc.key}" · {inc.state} · {inc.group}
        {inc.assignee ? ` · ${inc.assignee}` : ""}
      </div>
      <div>
        respond by <Sla dueAt={page.respondBy} />
      </div>
      <Summary page={page} />
      <Sparkline points={page.sparkline} />
      <h4>Timeline</h4>
      <ul class="timeline" data-testid="timeline">
        {page.timeline.map((e, i) => (
          <li key={`${e.at}-${i}`}>
            {clock(e.at)} {e.kind} ({e.actor}) {e.text ?? ""}
          </li>
        ))}
      </ul>
      <h4>Statements</h4>
      <ul class="timeline" data-testid="statements">
        {statements.map((e, i) => (
          <li key={`${e.at}-${i}`}>
            {clock(e.at)} {e.actor}: {e.text ?? ""}
          </li>
        ))}
        {statements.length ? null : <li class="none">None yet.</li>}
      </ul>
      {lead && onChange ? <StatementForm id={inc.id} onDone={onChange} /> : null}
      <h4>Decisions</h4>
      <ul class="timeline" data-testid="decisions">
        {actions.map((e, i) => (
          <li key={`a-${e.at}-${i}`}>
            {clock(e.at)} {e.actor}: {e.text ?? ""}
          </li>
        ))}
        {decisions.map((d) => (
          <li key={d.id}>
            {clock(d.at)} {d.actor}: {d.what ?? d.kind}
            {d.why ? ` (${d.why})` : ""}
          </li>
        ))}
        {actions.length + decisions.length ? null : <li class="none">None yet.</li>}
      </ul>
      <h4>Evidence ({page.evidence.length})</h4>
      {page.evidence.map((e) => (
        <div class="item" key={e.id}>
          <div class="post-text" data-testid="evidence-text">
            {e.text}
          </div>
          <div class="counts">
            @{e.authorId} · {e.followers} followers · <Scores scores={e.scores} />
          </div>
        </div>
      ))}
    </div>
  );
}
