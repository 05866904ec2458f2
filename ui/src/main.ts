// The moderators' review UI: queues with counts and SLA timers, the claimed item (post or incident
// page), decisions with keyboard shortcuts, live updates over server-sent events. Untrusted text
// only ever reaches the page through text nodes (dom.ts).
import { api, ApiError, type Claim, type IncidentPage, type Principal, type QueueCounts, type ReviewItem } from "./api";
import { countdown, el, replace, sparkline } from "./dom";

const ROMAN = ["", "I", "II", "III", "IV"];
const DECISIONS: { kind: string; key: string; label: string }[] = [
  { kind: "remove_post", key: "r", label: "Remove post" },
  { kind: "label_rumour", key: "l", label: "Label rumour" },
  { kind: "warn_author", key: "w", label: "Warn author" },
  { kind: "suspend_author", key: "s", label: "Suspend author" },
  { kind: "dismiss", key: "d", label: "Dismiss (false positive)" },
  { kind: "escalate", key: "e", label: "Escalate to lead" },
];

const state: {
  me?: Principal;
  queues: QueueCounts[];
  queue: string;
  items: ReviewItem[];
  claim?: Claim;
  incident?: IncidentPage;
  message: string;
  reason: string;
  rebuttal: string;
} = { queues: [], queue: "rumour", items: [], message: "", reason: "", rebuttal: "" };

const root = document.getElementById("app")!;

function gradeBadge(g: number) {
  return el("span", { class: `grade g${g}`, title: `grade ${ROMAN[g]}` }, ROMAN[g] ?? String(g));
}

function slaTimer(dueAt: number) {
  const c = countdown(dueAt);
  return el("span", { class: `sla${c.late ? " late" : ""}`, "data-due": String(dueAt) }, c.text);
}

function postView(p: NonNullable<ReviewItem["post"]>) {
  const scores = Object.entries(p.scores)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(" · ");
  return el(
    "div",
    { class: "post" },
    el("div", { class: "post-text", "data-testid": "post-text" }, p.text),
    el("div", { class: "counts" }, `@${p.authorId} · ${p.followers} followers · ${scores}`),
    p.top.length
      ? el("div", { class: "words", "data-testid": "top-words" }, ...p.top.map((t) => el("span", {}, t.feature)))
      : null,
  );
}

function renderLogin() {
  const input = el("input", {
    type: "password",
    name: "token",
    placeholder: "API token",
    "data-testid": "token",
    autocomplete: "off",
  });
  const error = el("div", { class: "error", "data-testid": "login-error" });
  const form = el(
    "form",
    {
      class: "login",
      onsubmit: (e: Event) => {
        e.preventDefault();
        api
          .login(input.value)
          .then((me) => {
            state.me = me;
            return start();
          })
          .catch((err: Error) => replace(error, err.message));
      },
    },
    el("h2", {}, "modstream review — sign in"),
    input,
    el("button", { type: "submit", "data-testid": "login" }, "Sign in"),
    error,
  );
  replace(root, form);
  input.focus();
}

function renderQueues() {
  return el(
    "section",
    {},
    el("h2", {}, "Queues"),
    el(
      "ul",
      { "data-testid": "queues" },
      ...state.queues.map((q) =>
        el(
          "li",
          {
            class: `queue${q.queue === state.queue ? " active" : ""}`,
            "data-testid": `queue-${q.queue}`,
            onclick: () => {
              state.queue = q.queue;
              void refresh();
            },
          },
          el("span", {}, q.queue, el("br"), el("small", {}, q.group)),
          el(
            "span",
            { class: "counts" },
            el("span", { "data-testid": `count-${q.queue}` }, String(q.waiting)),
            ` waiting · ${q.claimed} claimed${q.escalated ? ` · ${q.escalated} escalated` : ""}`,
            q.nextDueAt ? el("br") : null,
            q.nextDueAt ? slaTimer(q.nextDueAt) : null,
          ),
        ),
      ),
    ),
  );
}

function renderList() {
  return el(
    "section",
    {},
    el(
      "h2",
      {},
      `Waiting in ${state.queue}`,
      " ",
      el("button", { "data-testid": "claim", onclick: () => void claim() }, "Claim next", el("kbd", {}, "c")),
    ),
    el(
      "div",
      { "data-testid": "items" },
      ...state.items.map((i) =>
        el(
          "div",
          { class: "item" },
          gradeBadge(i.grade),
          i.reason,
          " ",
          slaTimer(i.dueAt),
          i.post ? postView(i.post) : null,
        ),
      ),
      state.items.length === 0 ? el("p", {}, "Nothing waiting.") : null,
    ),
  );
}

function renderIncident(p: IncidentPage) {
  return el(
    "div",
    { "data-testid": "incident" },
    el(
      "h3",
      {},
      gradeBadge(p.incident.grade),
      `${p.incident.type} · ${p.incident.kind} "${p.incident.key}" · ${p.incident.state}`,
    ),
    el("div", {}, "respond by ", slaTimer(p.respondBy)),
    sparkline(p.sparkline),
    el("h4", {}, "Timeline"),
    el(
      "ul",
      { class: "timeline" },
      ...p.timeline.map((e) =>
        el("li", {}, `${new Date(e.at).toLocaleTimeString()} ${e.kind} (${e.actor}) `, e.text ?? ""),
      ),
    ),
    el("h4", {}, "Evidence"),
    ...p.evidence.map((e) =>
      el(
        "div",
        { class: "item" },
        el("div", { class: "post-text", "data-testid": "evidence-text" }, e.text),
        el(
          "div",
          { class: "counts" },
          `@${e.authorId} · `,
          Object.entries(e.scores)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(" · "),
        ),
      ),
    ),
  );
}

function renderClaim() {
  const c = state.claim;
  if (!c)
    return el(
      "section",
      { "data-testid": "current" },
      el("h2", {}, "Current item"),
      el("p", { "data-testid": "message" }, state.message || "Press c to claim the next item."),
    );
  // Live updates re-render the page: what the moderator is typing lives in the state, not the DOM.
  const reason = el("input", {
    "data-testid": "reason",
    placeholder: "why (kept in the audit log)",
    oninput: (e: Event) => (state.reason = (e.target as HTMLInputElement).value),
  });
  reason.value = state.reason;
  const rebuttal = el("textarea", {
    "data-testid": "rebuttal",
    placeholder: "rebuttal (for a rumour label)",
    rows: "2",
    oninput: (e: Event) => (state.rebuttal = (e.target as HTMLTextAreaElement).value),
  });
  rebuttal.value = state.rebuttal;
  return el(
    "section",
    { "data-testid": "current" },
    el("h2", {}, "Current item ", gradeBadge(c.item.grade)),
    el("div", { "data-testid": "current-id" }, c.item.id),
    el("div", {}, c.item.reason, " · ", slaTimer(c.item.dueAt)),
    c.item.post ? postView(c.item.post) : null,
    state.incident ? renderIncident(state.incident) : null,
    reason,
    rebuttal,
    el(
      "div",
      { class: "actions" },
      ...DECISIONS.map((d) =>
        el(
          "button",
          { "data-testid": `decide-${d.kind}`, onclick: () => void decide(d.kind) },
          d.label,
          el("kbd", {}, d.key),
        ),
      ),
      el("button", { onclick: () => void release() }, "Give back", el("kbd", {}, "u")),
    ),
    el("div", { class: "error", "data-testid": "message" }, state.message),
  );
}

function render() {
  if (!state.me) return renderLogin();
  const header = el(
    "header",
    {},
    el("strong", {}, "modstream review"),
    el("span", { class: "grow" }),
    el("span", { "data-testid": "me" }, `${state.me.name} (${state.me.role})`),
    el("button", { onclick: () => void api.logout().then(() => location.reload()) }, "Sign out"),
  );
  // Keep the moderator's place: a live update must not steal focus from the reason field.
  const focused = (document.activeElement as HTMLElement | null)?.dataset.testid;
  replace(root, header, el("main", {}, renderQueues(), renderList(), renderClaim()));
  if (focused) document.querySelector<HTMLElement>(`[data-testid="${focused}"]`)?.focus();
}

async function refresh() {
  const [q, items] = await Promise.all([api.queues(), api.items(state.queue)]);
  state.queues = q.queues;
  state.items = items.items;
  render();
}

async function loadClaim(c: Claim | null) {
  state.claim = c ?? undefined;
  state.incident = c?.item.incidentId ? await api.incident(c.item.incidentId) : undefined;
  state.message = c ? "" : "The queue is empty.";
}

async function claim() {
  if (state.claim) return;
  await loadClaim(await api.claim(state.queue));
  await refresh();
}

async function decide(kind: string) {
  const c = state.claim;
  if (!c) return;
  const reason = state.reason.trim();
  const rebuttal = state.rebuttal.trim();
  try {
    await api.decide(c, kind, reason || kind, crypto.randomUUID(), rebuttal || undefined);
    state.claim = undefined;
    state.incident = undefined;
    state.reason = "";
    state.rebuttal = "";
    state.message = `Decided: ${kind}`;
  } catch (err) {
    state.message = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
  }
  await refresh();
}

async function release() {
  if (!state.claim) return;
  await api.release(state.claim).catch(() => undefined);
  state.claim = undefined;
  state.incident = undefined;
  await refresh();
}

document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement | null;
  if (!state.me || e.ctrlKey || e.metaKey || e.altKey || t?.closest("input, textarea")) return;
  if (e.key === "c") void claim();
  else if (e.key === "u") void release();
  else {
    const d = DECISIONS.find((x) => x.key === e.key);
    if (d && state.claim) void decide(d.kind);
  }
});

// SLA timers tick every second; the lease is renewed while an item is held.
setInterval(() => {
  for (const n of document.querySelectorAll<HTMLElement>("[data-due]")) {
    const c = countdown(Number(n.dataset.due));
    n.textContent = c.text;
    n.classList.toggle("late", c.late);
  }
}, 1000);
setInterval(() => {
  if (state.claim) api.renew(state.claim).catch(() => undefined);
}, 60_000);

async function start() {
  const mine = await api.claims();
  await loadClaim(mine.claims[0] ?? null);
  state.message = "";
  await refresh();
  const events = new EventSource("/api/events");
  let pending = false;
  events.addEventListener("change", () => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      void refresh();
    }, 150);
  });
}

api
  .me()
  .then((me) => {
    state.me = me;
    return start();
  })
  .catch(() => renderLogin());
