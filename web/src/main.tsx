// The catalog: sign in, then search, assets, lineage and incidents, all through the public API.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, gql, session } from './api';
import { Link } from './Link';
import { AssetPage } from './pages/Asset';
import type { LineagePage as LineagePageType } from './pages/Lineage';
import { IncidentsPage } from './pages/Incidents';
import { SearchPage } from './pages/Search';
import { firstHopOf, routeOf, useLocation } from './router';
import { SignIn } from './SignIn';
import { ErrorText } from './ui';
import './styles.css';

// The explorer (React Flow and the ELK layout engine) loads when a lineage page is opened, so the
// first page stays small.
type Explorer = typeof LineagePageType;
let explorer: Explorer | null = null;
let loading: Promise<Explorer> | null = null;
const loadExplorer = () =>
  (loading ??= import('./pages/Lineage').then(
    (m) => (explorer = m.LineagePage),
    (e: unknown) => {
      loading = null; // the next visit tries again
      throw e;
    },
  ));
// Opened at a lineage URL: fetch the explorer while signing in, not after.
if (routeOf(location.pathname).page === 'lineage') void loadExplorer();

interface Me {
  subject: string;
  tenant: string;
  roles: string[];
  permissions: string[];
}

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
  // Who the server says the token is and what its roles allow (the claims may have any name):
  // checked at sign-in. It decides only what is offered; the server checks every call again.
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    setMe(null);
    if (!token) return;
    gql<{ me: Me }>('{ me { subject tenant roles permissions } }')
      .then((d) => setMe(d.me))
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'UNAUTHENTICATED'))
          session.signOut(`Signed out: ${e instanceof Error ? e.message : String(e)}`);
      });
  }, [token]);
  if (!token) return <SignIn reason={reason} />;
  if (!me) return <p className="muted content">Signing in…</p>;
  const roles = me.roles.map((r) => r.toLowerCase());
  const can = { classify: me.permissions.includes('classification:write'), edit: me.permissions.includes('asset:write') };
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
        {route.page === 'asset' && <AssetPage key={route.qualifiedName} qualifiedName={route.qualifiedName} can={can} />}
        {route.page === 'lineage' && <LineageRoute qualifiedName={route.qualifiedName} firstHop={firstHopOf(query)} />}
        {route.page === 'incidents' && <IncidentsPage />}
        {route.page === 'missing' && <p role="alert">No such page.</p>}
      </main>
    </>
  );
}

/**
 * The explorer once its chunk is here: drawn at once when it already is (not through React.lazy,
 * which suspends at least once, and React holds a revealed Suspense boundary back ~300 ms).
 */
function LineageRoute({ qualifiedName, firstHop }: { qualifiedName: string; firstHop: number }) {
  const [Page, setPage] = useState<{ page: Explorer } | null>(explorer ? { page: explorer } : null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!Page)
      loadExplorer().then(
        (page) => setPage({ page }),
        (e: unknown) => setError(`The explorer did not load: ${String(e)}`),
      );
  }, [Page]);
  if (error) return <ErrorText error={error} />;
  if (!Page) return <p className="muted">Loading the explorer…</p>;
  return <Page.page key={qualifiedName} qualifiedName={qualifiedName} firstHop={firstHop} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
