// The silences page: the active silences (what each matches, why, who set it, when it ends), a
// form for leads to add one and a button to end one early, and the incident openings that
// silences and inhibiting incidents suppressed. Moderators read it; reasons and keys are text.
import { useEffect, useState } from "preact/hooks";
import { INCIDENT_TYPES, KEY_KINDS } from "../../src/domain";
import { api, type Principal, type Silence, type SilenceInput, type SuppressedOpening } from "./api";
import { clock, matcherText, numeral, span } from "./format";
import { useNow } from "./parts";

const NO_SILENCE: SilenceInput = { kind: "hashtag", key: "", type: "", for: "2h", reason: "" };

function Ends({ at }: { at: number }) {
  const left = at - useNow();
  return <span data-testid="silence-ends">{left > 0 ? `ends in ${span(left)}` : "ended"}</span>;
}

function SilenceRow({ s, lead, expire }: { s: Silence; lead: boolean; expire: () => void }) {
  return (
    <li class="item" data-testid="silence-row" data-id={s.id}>
      <strong data-testid="silence-what">{matcherText(s.matcher)}</strong>
      <div class="post-text" data-testid="silence-reason">
        {s.reason}
      </div>
      <div class="counts">
        {s.id} · by {s.createdBy} at {clock(s.createdAt)} · <Ends at={s.endsAt} /> (
        {new Date(s.endsAt).toLocaleString()})
      </div>
      {lead ? (
        <button data-testid="silence-expire" onClick={expire}>
          Expire now
        </button>
      ) : null}
    </li>
  );
}

function SilenceForm({ done }: { done: () => void }) {
  const [form, setForm] = useState<SilenceInput>(NO_SILENCE);
  const [error, setError] = useState("");
  const set = (patch: Partial<SilenceInput>) => setForm((f) => ({ ...f, ...patch }));
  const submit = (e: Event) => {
    e.preventDefault();
    const body: SilenceInput = {
      for: form.for.trim(),
      reason: form.reason,
      ...(form.kind ? { kind: form.kind } : {}),
      ...(form.kind && form.key?.trim() ? { key: form.key.trim() } : {}),
      ...(form.type ? { type: form.type } : {}),
    };
    api
      .addSilence(body)
      .then(() => {
        setForm(NO_SILENCE);
        setError("");
        done();
      })
      .catch((err: Error) => setError(err.message));
  };
  return (
    <form class="silence-form" data-testid="silence-form" onSubmit={submit}>
      <label>
        kind{" "}
        <select data-testid="silence-kind" value={form.kind} onChange={(e) => set({ kind: e.currentTarget.value })}>
          <option value="">any</option>
          {KEY_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label>
        key{" "}
        <input
          data-testid="silence-key"
          placeholder="#foo (empty: every key of the kind)"
          value={form.key}
          onInput={(e) => set({ key: e.currentTarget.value })}
        />
      </label>
      <label>
        type{" "}
        <select data-testid="silence-type" value={form.type} onChange={(e) => set({ type: e.currentTarget.value })}>
          <option value="">any</option>
          {INCIDENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        for{" "}
        <input
          data-testid="silence-for"
          size={6}
          placeholder="2h"
          value={form.for}
          onInput={(e) => set({ for: e.currentTarget.value })}
        />
      </label>
      <input
        class="reason"
        data-testid="silence-reason-input"
        placeholder="reason (required)"
        value={form.reason}
        onInput={(e) => set({ reason: e.currentTarget.value })}
      />
      <button type="submit" data-testid="silence-submit">
        Silence
      </button>
      {error ? (
        <div class="error" data-testid="silence-error">
          {error}
        </div>
      ) : null}
    </form>
  );
}

function SuppressedRow({ s, silences }: { s: SuppressedOpening; silences: Map<string, Silence> }) {
  const by = s.silenceId ? silences.get(s.silenceId) : undefined;
  return (
    <li class="item" data-testid="suppressed-row" data-reason={s.reason}>
      <div class="counts">
        {clock(s.at)} · <strong>{s.reason}</strong> · {s.type} · {s.kind} "{s.key}" · would be grade {numeral(s.grade)}{" "}
        · from {s.source}
      </div>
      <div data-testid="suppressed-by">
        {s.reason === "silenced" ? (
          <>
            by {s.silenceId}
            {by ? ` (${matcherText(by.matcher)}: ${by.reason})` : ""}
          </>
        ) : (
          <>
            by incident <a href={`#/incidents/${encodeURIComponent(s.incidentId ?? "")}`}>{s.incidentId}</a>
          </>
        )}
      </div>
    </li>
  );
}

export function SilencesView({ me }: { me: Principal }) {
  const lead = me.role === "lead" || me.role === "admin";
  const [active, setActive] = useState<Silence[]>([]);
  const [recent, setRecent] = useState<Silence[]>([]);
  const [suppressed, setSuppressed] = useState<SuppressedOpening[]>([]);
  const [error, setError] = useState("");
  const [loaded, setLoaded] = useState(0);
  const [reread, setReread] = useState(0);
  const again = () => setReread((n) => n + 1);

  useEffect(() => {
    const t = setInterval(again, 15_000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    let live = true;
    Promise.all([api.silences(), api.silences(true), api.suppressed()])
      .then(([a, all, sup]) => {
        if (!live) return;
        setActive(a.silences);
        setRecent(all.silences);
        setSuppressed(sup.suppressed);
        setError("");
        setLoaded((n) => n + 1);
      })
      .catch((err: Error) => live && setError(err.message));
    return () => void (live = false);
  }, [reread]);

  const byId = new Map(recent.map((s) => [s.id, s]));
  const expire = (id: string) =>
    void api
      .expireSilence(id)
      .then(again)
      .catch((err: Error) => setError(err.message));
  return (
    <main class="silences-view" data-loaded={loaded}>
      <section>
        <h2>
          Silences{" "}
          <span class="counts" data-testid="silence-count">
            {active.length}
          </span>
        </h2>
        <p class="counts">
          A silenced key, kind or type opens and extends no incident and pages nobody; its spikes are still counted and
          listed below.
        </p>
        {lead ? <SilenceForm done={again} /> : null}
        <ul data-testid="silence-list">
          {active.map((s) => (
            <SilenceRow key={s.id} s={s} lead={lead} expire={() => expire(s.id)} />
          ))}
        </ul>
        {active.length === 0 ? <p data-testid="no-silences">No active silences.</p> : null}
        {error ? (
          <div class="error" data-testid="silences-error">
            {error}
          </div>
        ) : null}
      </section>
      <section>
        <h2>
          Suppressed openings{" "}
          <span class="counts" data-testid="suppressed-count">
            {suppressed.length}
          </span>
        </h2>
        <ul data-testid="suppressed-list">
          {suppressed.map((s) => (
            <SuppressedRow key={s.ref} s={s} silences={byId} />
          ))}
        </ul>
        {suppressed.length === 0 ? <p class="none">None this week.</p> : null}
      </section>
    </main>
  );
}
