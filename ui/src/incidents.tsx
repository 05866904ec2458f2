// The incidents page: every open incident at once, filtered by type, grade, state and working
// group, searched by key or text, and the one opened beside the list. Keys as in the queues:
// j / k (or the arrows) move, Enter opens, Esc closes, / searches, 1–4 pick a grade, 0 any grade.
import { useEffect, useRef, useState } from "preact/hooks";
import { GRADES, INCIDENT_STATES, INCIDENT_TYPES, type Grade } from "../../src/domain";
import { api, ApiError, type IncidentJson, type IncidentPage, type IncidentQuery, type Principal } from "./api";
import { clock, compact, matches, numeral, titleOf } from "./format";
import { IncidentDetail } from "./incident";
import { useKeys } from "./keys";
import { GradeBadge } from "./parts";

/** "live" is every state before resolved, the page's default: what still needs someone. */
type StateFilter = "live" | "all" | (typeof INCIDENT_STATES)[number];
interface Filters {
  type: string;
  grade: string;
  state: StateFilter;
  group: string;
  q: string;
}
const NO_FILTERS: Filters = { type: "", grade: "", state: "live", group: "", q: "" };

function toQuery(f: Filters): IncidentQuery {
  return {
    ...(f.state === "live" ? { live: true } : f.state === "all" ? {} : { state: f.state }),
    ...(f.type ? { type: f.type as IncidentQuery["type"] } : {}),
    ...(f.grade ? { grade: Number(f.grade) as Grade } : {}),
    ...(f.group ? { group: f.group } : {}),
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    limit: 200,
  };
}

/** Most severe first, then the most recently active. */
const order = (a: IncidentJson, b: IncidentJson) => a.grade - b.grade || b.lastActivityAt - a.lastActivityAt;

function Select({
  id,
  label,
  value,
  options,
  set,
}: {
  id: string;
  label: string;
  value: string;
  options: [string, string][];
  set: (v: string) => void;
}) {
  return (
    <label>
      {label}{" "}
      <select data-testid={id} value={value} onChange={(e) => set(e.currentTarget.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function Row({ i, selected, open }: { i: IncidentJson; selected: boolean; open: () => void }) {
  const s = i.summary;
  return (
    <li
      class={`incident-row${selected ? " selected" : ""}`}
      data-testid="incident-row"
      data-id={i.id}
      aria-selected={selected}
      onClick={open}
    >
      <GradeBadge grade={i.grade} />
      <span class="row-title" data-testid="row-title">
        {titleOf(i)}
      </span>
      <div class="counts">
        {i.type} · {i.state} · {i.group} · {s ? `${s.accounts} accounts` : `${i.figures.authors} accounts`} · reach{" "}
        {compact(s?.reach ?? i.figures.reach)} · active {clock(i.lastActivityAt)}
      </div>
    </li>
  );
}

export function IncidentsView({
  me,
  version,
  openId,
  go,
}: {
  me: Principal;
  version: number;
  openId?: string;
  go: (hash: string) => void;
}) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [all, setAll] = useState<IncidentJson[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  // The selected row by id, so a live re-read that reorders the list keeps it on its incident;
  // keys read it from the ref, as they can come faster than renders (j then Enter opens the row j
  // moved to).
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const selection = useRef<string | undefined>(undefined);
  const select = (id: string | undefined) => {
    selection.current = id;
    setSelectedId(id);
  };
  const [page, setPage] = useState<IncidentPage | undefined>();
  const [error, setError] = useState("");
  const [loaded, setLoaded] = useState(0);
  const [reread, setReread] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);

  const shown = all.filter((i) => matches(i, toQuery(filters))).sort(order);
  const selected = Math.max(
    0,
    shown.findIndex((i) => i.id === selectedId),
  );
  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    select(undefined);
  };

  useEffect(() => {
    void api.queues().then((r) => setGroups([...new Set(r.queues.map((q) => q.group))].sort()));
  }, []);
  // Re-read on every change the server announces, and every 15 s (a re-grade moves no queue).
  useEffect(() => {
    const t = setInterval(() => setReread((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  // Typing a search waits for a pause before asking the server; the list filters at once.
  useEffect(() => {
    let live = true;
    const t = setTimeout(
      () =>
        void api
          .incidents(toQuery(filters))
          .then((r) => {
            if (!live) return;
            setAll(r.incidents);
            setError("");
            setLoaded((n) => n + 1);
          })
          .catch((err: Error) => live && setError(err.message)),
      filters.q ? 250 : 0,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [filters, version, reread]);
  useEffect(() => {
    if (!openId) return setPage(undefined);
    let live = true;
    api
      .incident(openId)
      .then((p) => live && setPage(p))
      .catch((err: Error) => {
        if (!live) return;
        setPage(undefined);
        setError(err instanceof ApiError && err.status === 404 ? `No incident ${openId}.` : err.message);
      });
    return () => void (live = false);
  }, [openId, version, reread]);
  useEffect(() => {
    list.current?.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  const open = (i: IncidentJson | undefined) => i && go(`#/incidents/${encodeURIComponent(i.id)}`);
  useKeys((e) => {
    const last = Math.max(0, shown.length - 1);
    const at = Math.max(
      0,
      shown.findIndex((i) => i.id === selection.current),
    );
    if (e.key === "j" || e.key === "ArrowDown") select(shown[Math.min(last, at + 1)]?.id);
    else if (e.key === "k" || e.key === "ArrowUp") select(shown[Math.max(0, at - 1)]?.id);
    else if (e.key === "Enter" || e.key === "o") open(shown[at]);
    else if (e.key === "Escape") go("#/incidents");
    else if (e.key === "/") search.current?.focus();
    else if (e.key === "0") set({ grade: "" });
    else if (GRADES.includes(Number(e.key) as Grade)) set({ grade: e.key });
    else return;
    e.preventDefault();
  });

  return (
    <main class="incidents-view" data-loaded={loaded}>
      <section>
        <h2>
          Incidents{" "}
          <span class="counts" data-testid="incident-count">
            {shown.length}
          </span>
        </h2>
        <div class="filters">
          <input
            ref={search}
            type="search"
            data-testid="incident-search"
            placeholder="search key, title or text (/)"
            value={filters.q}
            onInput={(e) => set({ q: e.currentTarget.value })}
            onKeyDown={(e) => {
              // Leave the field so j / k / Enter work on the list again.
              if (e.key === "Escape" || e.key === "Enter") e.currentTarget.blur();
            }}
          />
          <Select
            id="filter-type"
            label="type"
            value={filters.type}
            set={(type) => set({ type })}
            options={[["", "any"], ...INCIDENT_TYPES.map((t): [string, string] => [t, t])]}
          />
          <Select
            id="filter-grade"
            label="grade"
            value={filters.grade}
            set={(grade) => set({ grade })}
            options={[["", "any"], ...GRADES.map((g): [string, string] => [String(g), numeral(g)])]}
          />
          <Select
            id="filter-state"
            label="state"
            value={filters.state}
            set={(state) => set({ state: state as StateFilter })}
            options={[
              ["live", "open (not resolved)"],
              ...INCIDENT_STATES.map((s): [string, string] => [s, s]),
              ["all", "all"],
            ]}
          />
          <Select
            id="filter-group"
            label="group"
            value={filters.group}
            set={(group) => set({ group })}
            options={[["", "any"], ...groups.map((g): [string, string] => [g, g])]}
          />
        </div>
        <ul class="incident-list" data-testid="incident-list" ref={list}>
          {shown.map((i, n) => (
            <Row key={i.id} i={i} selected={n === selected} open={() => (select(i.id), open(i))} />
          ))}
        </ul>
        {shown.length === 0 ? <p data-testid="no-incidents">No incidents match.</p> : null}
        {error ? (
          <div class="error" data-testid="incidents-error">
            {error}
          </div>
        ) : null}
      </section>
      <section data-testid="incident-pane">
        {page && page.incident.id === openId ? (
          <IncidentDetail page={page} me={me} version={version + reread} onChange={() => setReread((n) => n + 1)} />
        ) : (
          <p class="counts">Open an incident: j / k to move, Enter to open, / to search, 1–4 for a grade.</p>
        )}
      </section>
    </main>
  );
}
