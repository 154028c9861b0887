// The shell: who is signed in, the navigation, and which page the location shows.
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { api, setUnauthorizedHandler, type User } from "./api.ts";
import { Login } from "./pages/Login.tsx";
import { SessionList, SessionView } from "./pages/Sessions.tsx";
import { Traces } from "./pages/Traces.tsx";
import { TraceView } from "./pages/TraceView.tsx";

// Pages loaded on first visit: the charts library and the management pages stay out of the bundle a
// trace link has to load before it can show the trace.
const Analytics = lazy(() => import("./pages/Analytics.tsx").then((m) => ({ default: m.Analytics })));
const Destinations = lazy(() => import("./pages/Destinations.tsx").then((m) => ({ default: m.Destinations })));
const FailedDeliveries = lazy(() => import("./pages/FailedDeliveries.tsx").then((m) => ({ default: m.FailedDeliveries })));
const Rules = lazy(() => import("./pages/Rules.tsx").then((m) => ({ default: m.Rules })));
const Users = lazy(() => import("./pages/Users.tsx").then((m) => ({ default: m.Users })));
import { linkClick, navigate, useLocation } from "./router.ts";

const NAV = [
  { to: "/traces", label: "Traces" },
  { to: "/sessions", label: "Sessions" },
  { to: "/analytics", label: "Analytics" },
  { to: "/destinations", label: "Destinations" },
  { to: "/failed-deliveries", label: "Failed deliveries" },
  { to: "/rules", label: "Rules" },
];

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const { path, search } = useLocation();

  useEffect(() => {
    setUnauthorizedHandler(() => setUser(null));
    api
      .me()
      .then((r) => setUser(r.user))
      .catch(() => setUser(null));
  }, []);

  const signOut = useCallback(async () => {
    await api.logout().catch(() => {});
    setUser(null);
    navigate("/login");
  }, []);

  if (user === undefined) return <div className="loading">Loading…</div>;
  if (user === null) {
    return (
      <Login
        onSignedIn={(u) => {
          setUser(u);
          const next = search.get("next");
          navigate(next?.startsWith("/") ? next : path === "/login" || path === "/" ? "/traces" : path + (search.size ? `?${search}` : ""), { replace: true });
        }}
      />
    );
  }

  const traceMatch = path.match(/^\/traces\/([0-9a-fA-F]{32})$/);
  const sessionMatch = path.match(/^\/sessions\/(.+)$/);
  let page: React.ReactNode;
  if (traceMatch) page = <TraceView traceId={traceMatch[1].toLowerCase()} search={search} />;
  else if (sessionMatch) page = <SessionView sessionId={decodeURIComponent(sessionMatch[1])} />;
  else if (path === "/sessions") page = <SessionList search={search} />;
  else if (path === "/analytics") page = <Analytics search={search} />;
  else if (path === "/destinations") page = <Destinations />;
  else if (path === "/failed-deliveries") page = <FailedDeliveries search={search} user={user} />;
  else if (path === "/rules") page = <Rules />;
  else if (path === "/users") page = <Users user={user} />;
  else page = <Traces search={search} />;

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="/traces" onClick={linkClick("/traces")}>
          tracerelay
        </a>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <a key={n.to} href={n.to} onClick={linkClick(n.to)} aria-current={path.startsWith(n.to) || (n.to === "/traces" && path === "/") ? "page" : undefined}>
              {n.label}
            </a>
          ))}
          {user.role === "admin" && (
            <a href="/users" onClick={linkClick("/users")} aria-current={path.startsWith("/users") ? "page" : undefined}>
              Users
            </a>
          )}
        </nav>
        <div className="who">
          <span className="project" title="The UI shows project default until projects are user-selectable">
            project: default
          </span>
          <span data-testid="user-email">{user.email}</span>
          <span className={`role role-${user.role}`}>{user.role}</span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Suspense fallback={<p className="muted">Loading…</p>}>{page}</Suspense>
      </main>
    </div>
  );
}
