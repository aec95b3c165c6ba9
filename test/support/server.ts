// Starts a real metalake server (HTTP + websocket on a free port, embedded store in a temp dir)
// and talks to it with real GraphQL clients: graphql-http over HTTP, graphql-ws over websocket.
import type { ExecutionResult } from 'graphql';
import { NetworkError, createClient as createHttpClient } from 'graphql-http';
import { type Client as WsClient, createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type App, startApp } from '../../src/app.js';
import { mintDevToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import type { Role } from '../../src/domain/auth.js';
import { type Logger, destination, pino } from 'pino';
import { silentLog, tempDir, until } from './fixtures.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  token(tenant: string, ...roles: Role[]): Promise<string>;
  /**
   * Resolves once `tenant` has at least `count` subscriptions attached to this server's change
   * feed: an event committed after that reaches them (the barrier before "X hears Y").
   */
  subscribed(tenant: string, count: number, timeoutMs?: number): Promise<void>;
  /**
   * Resolves once everything committed so far has been worked off on this server: background
   * propagation has no claimable job, every change event is on the feed, and the search index
   * (when this server feeds it from the outbox) has caught up.
   */
  quiesce(): Promise<void>;
  http(token: string | null): HttpGraphQL;
  ws(token: string | null): WsGraphQL;
  close(): Promise<void>;
}

export interface HttpGraphQL {
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<ExecutionResult<T>>;
}

export interface LiveSubscription<T> {
  events: T[];
  errors: unknown[];
  /** Resolves once `count` events have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  unsubscribe(): void;
}

export interface WsGraphQL {
  client: WsClient;
  closeCodes: number[];
  /** Resolves with the close code once the server has closed this connection. */
  closed(timeoutMs?: number): Promise<number>;
  subscribe<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): LiveSubscription<T>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, options: { log?: Logger } = {}): Promise<TestServer> {
  const dir = tempDir('metalake-e2e-');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir.path,
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    EMBEDDED_SYNC: 'normal',
    ...env,
  });
  // TEST_LOG=error (or any pino level) shows what the servers under test log: on stderr, or
  // appended to TEST_LOG_FILE (the test runner does not always pass a test file's stderr on).
  const logTo = process.env.TEST_LOG_FILE
    ? destination({ dest: process.env.TEST_LOG_FILE, append: true, sync: true })
    : destination({ fd: 2, sync: true });
  const app = await startApp(config, options.log ?? (process.env.TEST_LOG ? pino({ level: process.env.TEST_LOG }, logTo) : silentLog));
  const url = app.server.url;
  const wsUrl = url.replace(/^http/, 'ws');
  const sockets: WsGraphQL[] = [];
  return {
    app,
    url,
    wsUrl,
    token: (tenant, ...roles) => mintDevToken(config.jwt, { tenant, roles }),
    async quiesce() {
      await app.flushEvents();
      const propagation = app.workers.get('propagation') as { idle?: () => Promise<void> } | undefined;
      await propagation?.idle?.();
      await app.flushEvents();
      await app.flushSearch();
    },
    subscribed: (tenant, count, timeoutMs = 10_000) =>
      until(
        `${count} subscriptions of ${tenant}`,
        () => (app.services.subscriptions.stats.openByTenant.get(tenant) ?? 0) >= count,
        timeoutMs,
      ),
    http(token) {
      const client = createHttpClient({
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        shouldRetry: () => Promise.resolve(false),
      });
      return {
        request: <T>(query: string, variables?: Record<string, unknown>) =>
          new Promise<ExecutionResult<T>>((resolve, reject) => {
            let result: ExecutionResult<T> | undefined;
            client.subscribe<T>(
              { query, ...(variables ? { variables } : {}) },
              {
                next: (r) => {
                  result = r as ExecutionResult<T>;
                },
                // GraphQL-over-HTTP answers request errors with 4xx and a GraphQL body: read it as the result.
                error: (e: unknown) => {
                  const response = e instanceof NetworkError ? (e.response as Response | undefined) : undefined;
                  if (response?.headers.get('content-type')?.includes('json'))
                    response.json().then((body) => resolve(body as ExecutionResult<T>), reject);
                  else reject(e instanceof Error ? e : new Error(String(e)));
                },
                complete: () => (result ? resolve(result) : reject(new Error('no result'))),
              },
            );
          }),
      };
    },
    ws(token) {
      const closeCodes: number[] = [];
      const client = createWsClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: false,
        on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
        onNonLazyError: () => {},
      });
      const handle: WsGraphQL = {
        client,
        closeCodes,
        async closed(timeoutMs = 10_000) {
          await until('the server to close the connection', () => closeCodes.length > 0, timeoutMs);
          return closeCodes[0]!;
        },
        subscribe<T>(query: string, variables?: Record<string, unknown>): LiveSubscription<T> {
          const events: T[] = [];
          const errors: unknown[] = [];
          const waiters: (() => void)[] = [];
          const notify = () => waiters.splice(0).forEach((w) => w());
          const unsubscribe = client.subscribe<T>(
            { query, ...(variables ? { variables } : {}) },
            {
              next: (r) => {
                if (r.errors) errors.push(...r.errors);
                if (r.data) events.push(r.data);
                notify();
              },
              error: (e) => {
                errors.push(e);
                notify();
              },
              complete: notify,
            },
          );
          return {
            events,
            errors,
            unsubscribe,
            waitFor(count, timeoutMs = 5000) {
              return new Promise((resolve, reject) => {
                const timer = setTimeout(
                  () => reject(new Error(`timed out with ${events.length}/${count} events; errors: ${JSON.stringify(errors)}`)),
                  timeoutMs,
                );
                const check = () => {
                  if (events.length >= count) {
                    clearTimeout(timer);
                    resolve(events);
                  } else if (errors.length > 0) {
                    clearTimeout(timer);
                    reject(new Error(`subscription failed: ${JSON.stringify(errors)}`));
                  } else waiters.push(check);
                };
                check();
              });
            },
          };
        },
        close: () => client.dispose() as Promise<void>,
      };
      sockets.push(handle);
      return handle;
    },
    async close() {
      await Promise.all(sockets.map((s) => s.close()));
      await app.close();
      dir.remove();
    },
  };
}
