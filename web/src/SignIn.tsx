import { useEffect, useState } from 'react';
import { session } from './api';

interface DevTokens {
  available: boolean;
  tenant: string;
  tokens: Record<string, string>;
}

/** Paste a bearer token; in development, one click signs in with the tokens `npm start` prints. */
export function SignIn({ reason }: { reason: string | null }) {
  const [token, setToken] = useState('');
  const [dev, setDev] = useState<DevTokens | null>(null);
  useEffect(() => {
    fetch('/api/v1/dev-tokens')
      .then((r) => (r.ok ? (r.json() as Promise<DevTokens>) : null))
      .then((d) => setDev(d?.available ? d : null))
      .catch(() => setDev(null));
  }, []);
  return (
    <main className="signin">
      <h1>metalake</h1>
      <p className="tagline">Assets, lineage and classifications that flow downstream, live.</p>
      {reason && (
        <p role="alert" className="error">
          {reason}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) session.signIn(token);
        }}
      >
        <label htmlFor="token">Bearer token</label>
        <textarea
          id="token"
          rows={4}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="eyJhbGciOi…"
          spellCheck={false}
        />
        <button type="submit" disabled={!token.trim()}>
          Sign in
        </button>
      </form>
      {dev && (
        <section className="dev" aria-label="Development sign-in">
          <h2>Development</h2>
          <p>Tenant “{dev.tenant}”, with the tokens this development server printed at start:</p>
          {Object.entries(dev.tokens).map(([role, t]) => (
            <button key={role} type="button" onClick={() => session.signIn(t)}>
              Sign in as the demo {role}
            </button>
          ))}
        </section>
      )}
    </main>
  );
}
