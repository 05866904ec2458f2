// The moderators' review UI: sign in, then the queues (claim, decide), the incidents page or the silences, with
// live updates over server-sent events. Preact components (views in queues.tsx and incidents.tsx);
// untrusted text only ever reaches the page as text.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Principal } from "./api";
import { IncidentsView } from "./incidents";
import { useKeys } from "./keys";
import { QueuesView } from "./queues";
import { SilencesView } from "./silences";

type Route = { view: "queues" } | { view: "incidents"; id?: string } | { view: "silences" };

function route(hash: string): Route {
  if (hash === "#/silences") return { view: "silences" };
  const m = /^#\/incidents(?:\/(.+))?$/.exec(hash);
  if (!m) return { view: "queues" };
  return m[1] ? { view: "incidents", id: decodeURIComponent(m[1]) } : { view: "incidents" };
}
const go = (hash: string) => {
  if (location.hash !== hash) location.hash = hash;
};

function Login({ done }: { done: (me: Principal) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        api
          .login(token)
          .then(done)
          .catch((err: Error) => setError(err.message));
      }}
    >
      <h2>modstream review — sign in</h2>
      <input
        type="password"
        name="token"
        placeholder="API token"
        data-testid="token"
        autocomplete="off"
        autofocus
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <button type="submit" data-testid="login">
        Sign in
      </button>
      <div class="error" data-testid="login-error">
        {error}
      </div>
    </form>
  );
}

/** A counter that moves whenever a queue changes on any server: views re-read what they show. */
function useChanges(on: boolean): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!on) return;
    const events = new EventSource("/api/events");
    let pending: ReturnType<typeof setTimeout> | undefined;
    events.addEventListener("change", () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        setVersion((n) => n + 1);
      }, 150);
    });
    return () => {
      clearTimeout(pending);
      events.close();
    };
  }, [on]);
  return version;
}

function App() {
  const [me, setMe] = useState<Principal | null | undefined>(undefined);
  const [where, setWhere] = useState(route(location.hash));
  const version = useChanges(Boolean(me));
  useEffect(() => {
    api.me().then(setMe, () => setMe(null));
    const onHash = () => setWhere(route(location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useKeys((e) => {
    if (!me) return;
    if (e.key === "i") go("#/incidents");
    else if (e.key === "q") go("#/queues");
    else if (e.key === "m") go("#/silences");
  });

  if (me === undefined) return null;
  if (me === null) return <Login done={setMe} />;
  return (
    <>
      <header>
        <strong>modstream review</strong>
        <nav>
          <a href="#/queues" class={where.view === "queues" ? "active" : ""} data-testid="nav-queues">
            Queues<kbd>q</kbd>
          </a>
          <a href="#/incidents" class={where.view === "incidents" ? "active" : ""} data-testid="nav-incidents">
            Incidents<kbd>i</kbd>
          </a>
          <a href="#/silences" class={where.view === "silences" ? "active" : ""} data-testid="nav-silences">
            Silences<kbd>m</kbd>
          </a>
        </nav>
        <span class="grow" />
        <span data-testid="me">
          {me.name} ({me.role})
        </span>
        <button onClick={() => void api.logout().then(() => location.reload())}>Sign out</button>
      </header>
      {where.view === "queues" ? (
        <QueuesView me={me} version={version} />
      ) : where.view === "silences" ? (
        <SilencesView me={me} />
      ) : (
        <IncidentsView me={me} version={version} openId={where.id} go={go} />
      )}
    </>
  );
}

render(<App />, document.getElementById("app")!);
