// The catalog's one way to the server: GraphQL over HTTP for queries and mutations, graphql-ws
// for live events, both at /graphql on the same origin. The token lives in sessionStorage (never
// in a URL); an expired or refused token signs the user out with the server's message.
import { type Client, createClient } from 'graphql-ws';

const TOKEN_KEY = 'metalake.token';

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; problems?: { path: string; message: string }[] };
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A failed call's message, as a page shows it. */
export const messageOf = (e: unknown): string => (e instanceof ApiError ? e.message : String(e));

/** What to show for a failed action: the server's code and message, or the browser's own error. */
export const failure = (e: unknown): string =>
  e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);

type Listener = (reason: string | null) => void;
const listeners = new Set<Listener>();

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token.replace(/^Bearer\s+/i, '').trim());
    closeSocket();
    for (const l of listeners) l(null);
  },
  /** Forgets the token; `reason` is shown on the sign-in page. */
  signOut(reason: string | null = null): void {
    sessionStorage.removeItem(TOKEN_KEY);
    closeSocket();
    for (const l of listeners) l(reason);
  },
  onChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const token = session.token();
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }))) as {
    data?: T;
    errors?: GraphQLErrorShape[];
  };
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
    if (code === 'UNAUTHENTICATED') session.signOut(`Signed out: ${error.message}`);
    const problems = error.extensions?.problems?.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new ApiError(code, problems ? `${error.message} (${problems})` : error.message);
  }
  if (!body.data) throw new ApiError('INTERNAL_SERVER_ERROR', 'The server answered without data');
  return body.data;
}

let socket: Client | null = null;

function closeSocket(): void {
  const current = socket;
  socket = null;
  void current?.dispose();
}

function ws(): Client {
  if (socket) return socket;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  socket = createClient({
    url,
    lazy: true,
    retryAttempts: 5,
    connectionParams: () => ({ authorization: `Bearer ${session.token() ?? ''}` }),
    // 4403: the token was refused or has expired; the server closes the socket.
    shouldRetry: (event) => !(event instanceof CloseEvent && event.code === 4403),
    on: {
      closed: (event) => {
        if (event instanceof CloseEvent && event.code === 4403)
          session.signOut(`Signed out: ${event.reason || 'the token expired or was refused'}`);
      },
    },
  });
  return socket;
}

/** Subscribes while the returned function is not called; each event's data goes to `next`. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  next: (data: T) => void,
  onError?: (message: string) => void,
): () => void {
  return ws().subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) onError?.(result.errors.map((e) => e.message).join('; '));
        else if (result.data) next(result.data);
      },
      error: (error) => onError?.(error instanceof Error ? error.message : 'the live connection failed'),
      complete: () => undefined,
    },
  );
}
