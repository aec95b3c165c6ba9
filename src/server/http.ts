// One HTTP server: GraphQL over HTTP (POST /graphql), GraphQL over websocket (graphql-ws) on
// the same path, health, readiness and metrics.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLSchema, OperationTypeNode, execute, getOperationAST, subscribe } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Config } from '../config.js';
import type { Viewer } from '../domain/auth.js';
import { DomainError } from '../domain/errors.js';
import type { ContextFactory, GraphQLContext } from '../graphql/context.js';
import { formatError, isInternal, toGraphQLError } from '../graphql/errors.js';
import { type GraphQLLimits, cachedPreparation, checkCost, checkLength, limitRules, parseOptions } from '../graphql/limits.js';
import { inRequestScope, withRequestLog } from '../logger.js';
import type { Metrics } from './metrics.js';

export interface HttpServerDeps {
  config: Config;
  schema: GraphQLSchema;
  createContext: ContextFactory;
  verifier: TokenVerifier;
  metrics: Metrics;
  log: Logger;
  /** Throws when a dependency (store, feed) is not reachable. */
  checkReady(): Promise<Record<string, string>>;
  /** Further HTTP endpoints (the ingest sources). */
  routes?: express.Router;
  /** The web catalog and its development helpers (server/web.ts), after the API routes. */
  web?: express.Router;
  /** Subscriptions of a tenant open on this replica (for the per-tenant cap). */
  openSubscriptions(tenant: string): number;
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(deps: HttpServerDeps): Promise<RunningServer> {
  const { config, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  const httpServer: Server = createServer(app);
  const format = formatError(log.child({ transport: 'ws' }));
  const limits = config.graphql;

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: config.limits.maxBodyBytes });
  const expiryTimers = new WeakMap<object, NodeJS.Timeout>();
  // Live subscription operations per connection, by operation id: one client holds at most its share.
  const liveOn = new WeakMap<object, Set<string>>();
  const prepareDocument = cachedPreparation(deps.schema, limits);
  const tooMany = (message: string, limit: string) => [
    new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit } }),
  ];
  const wsCleanup = useServer<{ authorization?: unknown }, { viewer?: Viewer }>(
    {
      schema: deps.schema,
      // Authenticate once, at connection time: a missing or bad token closes the socket with 4403.
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        if (typeof authorization !== 'string') return false;
        try {
          const viewer = await deps.verifier.verify(authorization);
          ctx.extra.viewer = viewer;
          if (viewer.expiresAt !== null) {
            const ms = Math.max(0, viewer.expiresAt * 1000 - Date.now() + config.jwt.clockToleranceSeconds * 1000);
            const timer = setTimeout(() => ctx.extra.socket.close(4403, 'Token expired'), Math.min(ms, 2 ** 31 - 1));
            timer.unref();
            expiryTimers.set(ctx.extra.socket, timer);
          }
          return true;
        } catch {
          return false;
        }
      },
      onClose: (ctx) => {
        const timer = expiryTimers.get(ctx.extra.socket);
        if (timer) clearTimeout(timer);
        liveOn.delete(ctx.extra.socket);
      },
      onComplete: (ctx, id) => {
        liveOn.get(ctx.extra.socket)?.delete(id);
      },
      // The same limits as over HTTP, checked before anything runs.
      // An unexpected failure here answers this one operation with INTERNAL_SERVER_ERROR (logged)
      // instead of closing the socket with 4500, which would drop every other subscription on it.
      onSubscribe: (ctx, id, payload) => {
        try {
          const prepared = prepareDocument(payload);
          if ('errors' in prepared) return prepared.errors;
          if (getOperationAST(prepared.document, payload.operationName)?.operation === OperationTypeNode.SUBSCRIPTION) {
            const live = liveOn.get(ctx.extra.socket) ?? new Set<string>();
            const { perConnection, perTenant } = config.subscriptions;
            if (live.size >= perConnection)
              return tooMany(
                `At most ${perConnection} subscriptions per connection (SUBSCRIPTIONS_PER_CONNECTION)`,
                'subscriptionsPerConnection',
              );
            const tenant = ctx.extra.viewer?.tenant;
            if (tenant !== undefined && deps.openSubscriptions(tenant) >= perTenant) {
              return tooMany(
                `At most ${perTenant} subscriptions per tenant on this server (SUBSCRIPTIONS_PER_TENANT)`,
                'subscriptionsPerTenant',
              );
            }
            live.add(id);
            liveOn.set(ctx.extra.socket, live);
          }
          return {
            schema: deps.schema,
            document: prepared.document,
            variableValues: payload.variables,
            operationName: payload.operationName,
          };
        } catch (error) {
          // onError below logs the original error and answers INTERNAL_SERVER_ERROR for this operation only.
          return [
            new GraphQLError(`preparing operation ${id} failed`, {
              originalError: error instanceof Error ? error : new Error(String(error)),
            }),
          ];
        }
      },
      context: async (ctx): Promise<GraphQLContext> =>
        deps.createContext({ authorization: ctx.connectionParams?.authorization as string | undefined, transport: 'ws' }),
      // Each operation runs with its context's logger as the request's (services log with its id).
      execute: (args) => withRequestLog((args.contextValue as GraphQLContext).log, () => execute(args)),
      subscribe: (args) => withRequestLog((args.contextValue as GraphQLContext).log, () => subscribe(args)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors) return;
        return { ...(result.data !== undefined ? { data: result.data } : {}), errors: result.errors.map((e) => format(e.toJSON(), e)) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => format(e.toJSON(), e)),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema: deps.schema,
    introspection: limits.introspection,
    hideSchemaDetailsFromClientErrors: !limits.suggestions,
    allowBatchedHttpRequests: limits.maxBatch > 1,
    parseOptions: parseOptions(limits),
    validationRules: limitRules(limits),
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT: it closes the HTTP server, then the workers and the store, in order.
    // Apollo's own handler would race it (stopping twice) and re-raise the signal.
    stopOnTerminationSignals: false,
    formatError: formatError(null),
    plugins: [
      {
        // Internal errors are logged here, with the request's own logger (request id, tenant, subject).
        requestDidStart: () =>
          Promise.resolve({
            didEncounterErrors: ({ errors, contextValue }) => {
              for (const error of errors)
                if (isInternal(error)) contextValue.log.error({ err: error.originalError ?? error, path: error.path }, 'internal error');
              return Promise.resolve();
            },
          }),
      },
      {
        // Cost needs the request's variables (page sizes), so it is checked once the operation is resolved.
        requestDidStart: () =>
          Promise.resolve({
            didResolveOperation: ({ document, request }) => {
              const tooCostly = checkCost(deps.schema, limits, document, request.variables, request.operationName);
              return tooCostly ? Promise.reject(tooCostly) : Promise.resolve();
            },
          }),
      },
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        serverWillStart: () =>
          Promise.resolve({
            drainServer: async () => {
              await wsCleanup.dispose();
            },
          }),
      },
      deps.metrics.apolloPlugin,
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    deps.checkReady().then(
      (components) => res.json({ status: 'ready', components }),
      (error: unknown) => res.status(503).json({ status: 'unavailable', error: error instanceof Error ? error.message : String(error) }),
    );
  });
  app.get('/metrics', (_req, res) => {
    deps.metrics.registry.metrics().then(
      (text) => res.type(deps.metrics.registry.contentType).send(text),
      (error: unknown) => res.status(500).send(String(error)),
    );
  });
  if (deps.routes) app.use(deps.routes);
  app.use(
    '/graphql',
    express.json({ limit: config.limits.maxBodyBytes }),
    // After the body is read (its stream events run outside any scope): everything the request causes logs with its id.
    (_req, _res, next) => inRequestScope(next),
    guardRequest(limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          const ctx = await deps.createContext({
            authorization: req.headers.authorization,
            requestId: req.headers['x-request-id'] as string | undefined,
            transport: 'http',
          });
          // Clients quote it when reporting an INTERNAL_SERVER_ERROR; the server's log line carries the same id.
          res.setHeader('x-request-id', ctx.requestId);
          return ctx;
        } catch (error) {
          throw error instanceof DomainError ? toGraphQLError(error) : error;
        }
      },
    }),
  );
  if (deps.web) app.use(deps.web);
  // Malformed JSON and oversized bodies: a GraphQL-shaped error, not an HTML page.
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status =
      typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 500) log.error({ err: error }, 'http error');
    res.status(status).json({
      errors: [
        {
          message: status === 413 ? 'Request body too large' : status < 500 ? 'Malformed request body' : 'Internal server error',
          extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    port,
    url: `http://${host}:${port}/graphql`,
    async close() {
      await apollo.stop();
      wsServer.close();
    },
  };
}

/** Bounds what Apollo parses: the number of operations in a batch and the length of each document. */
function guardRequest(limits: GraphQLLimits): express.RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    const operations: unknown[] = Array.isArray(body) ? body : [body ?? req.query];
    if (operations.length > limits.maxBatch) {
      const message =
        limits.maxBatch === 1 ? 'Batched requests are not accepted' : `A batch may hold at most ${limits.maxBatch} operations`;
      res.status(400).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST', limit: 'batch' } }] });
      return;
    }
    const tooLong = operations
      .map((op) => checkLength(limits, typeof op === 'object' && op !== null ? (op as { query?: unknown }).query : undefined))
      .find((e) => e !== null);
    if (tooLong)
      res
        .status(400)
        .json({ errors: [{ message: tooLong.message, extensions: { code: tooLong.extensions.code, limit: tooLong.extensions.limit } }] });
    else next();
  };
}
