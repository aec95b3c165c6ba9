// The catalog: sign in, then search, assets, lineage and incidents, all through the public API.
import { StrictMode, Suspense, lazy, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, gql, session } from './api';
import { Link } from './Link';
import { AssetPage } from './pages/Asset';
import { IncidentsPage } from './pages/Incidents';
import { SearchPage } from './pages/Search';
import { firstHopOf, routeOf, useLocation } from './router';
import { SignIn } from './SignIn';
import './styles.css';

// The explorer (React Flow and the ELK layout engine) loads when a lineage page is opened, so the
// first page stays small.
const LineagePage = lazy(() => import('./pages/Lineage').then((m) => ({ default: m.LineagePage })));

/** Roles that may classify (the server checks again; this only decides what to show). */
const STEWARDS = ['steward', 'admin'];

function App() {
  const [token, setToken] = useState(session.token());
  const [reason, setReason] = useState<string | null>(null);
  useEffect(
    () =>
      session.onChange((why) => {
        setToken(session.token());
        setReason(why);
      }),
    [],
  );
  const { path, query } = useLocation();
  // Who the server says the token is (its tenant and roles claims may have any name): checked at sign-in.
  const [me, setMe] = useState<{ subject: string; tenant: string; roles: string[] } | null>(null);
  useEffect(() => {
    setMe(null);
    if (!token) return;
    gql<{ me: { subject: string; tenant: string; roles: string[] } }>('{ me { subject tenant roles } }')
      .then((d) => setMe(d.me))
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'UNAUTHENTICATED'))
          session.signOut(`Signed out: ${e instanceof Error ? e.message : String(e)}`);
      });
  }, [token]);
  if (!token) return <SignIn reason={reason} />;
  if (!me) return <p className="muted content">Signing in…</p>;
  const roles = me.roles.map((r) => r.toLowerCase());
  const route = routeOf(path);
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          metalake
        </Link>
        <nav aria-label="Main">
          <Link to="/">Search</Link>
          <Link to="/incidents">Incidents</Link>
          <a href="/graphiql">GraphiQL</a>
        </nav>
        <span className="who" data-testid="who">
          {me.subject} · {me.tenant} · {roles.join(', ')}
        </span>
        <button type="button" onClick={() => session.signOut('Signed out.')}>
          Sign out
        </button>
      </header>
      <main className="content">
        {route.page === 'search' && <SearchPage />}
        {route.page === 'asset' && (
          <AssetPage key={route.qualifiedName} qualifiedName={route.qualifiedName} canClassify={roles.some((r) => STEWARDS.includes(r))} />
        )}
        {route.page === 'lineage' && (
          <Suspense fallback={<p className="muted">Loading the explorer…</p>}>
            <LineagePage key={route.qualifiedName} qualifiedName={route.qualifiedName} firstHop={firstHopOf(query)} />
          </Suspense>
        )}
        {route.page === 'incidents' && <IncidentsPage />}
        {route.page === 'missing' && <p role="alert">No such page.</p>}
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
