// The web catalog (web/, built into dist/catalog by `npm run build`), served by metalake itself at /
// on the same origin as /graphql: static files, no CDN at run time, and every other GET path that
// is not an API falls back to the catalog's page (its router reads the URL). GraphiQL at /graphiql.
//
// In development (the generated JWT secret, never in production) /api/v1/dev-tokens hands the
// demo tokens `npm start` prints to a browser on the same machine, for one-click sign-in.
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import express from 'express';

export interface WebRoutesOptions {
  /** The built catalog (dist/catalog); null when it was not built: / then says how to build it. */
  root: string | null;
  /** Development only: mints the demo tokens (viewer, steward) for the one-click sign-in. */
  devTokens?: (() => Promise<{ tenant: string; tokens: Record<string, string> }>) | undefined;
}

const API_PATHS = /^\/(graphql|api|webhooks|healthz|readyz|metrics)(\/|$)/;

/** Loopback peers only: a development token is never handed to another machine. */
const isLoopback = (address: string | undefined) =>
  address !== undefined && (address === '::1' || address.startsWith('127.') || (isIP(address) === 6 && address.startsWith('::ffff:127.')));

export function webRoutes(options: WebRoutesOptions): express.Router {
  const router = express.Router();
  const { devTokens } = options;
  // Always answered, so the sign-in page can ask without an error: `available: false` outside development.
  router.get('/api/v1/dev-tokens', (req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    if (!devTokens || !isLoopback(req.socket.remoteAddress)) return void res.json({ available: false });
    devTokens().then((tokens) => res.json({ available: true, ...tokens }), next);
  });
  const root = options.root && existsSync(join(options.root, 'index.html')) ? options.root : null;
  if (!root) {
    router.get('/', (_req, res) => {
      res.status(404).type('text/plain').send('The web catalog is not built: run `npm run build` (GraphQL is at /graphql).');
    });
    return router;
  }
  router.use((_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    // React Flow and GraphiQL set inline styles; scripts only from this origin.
    res.setHeader(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'",
    );
    next();
  });
  router.use('/assets', express.static(join(root, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }));
  router.get('/graphiql', (_req, res) => res.sendFile(join(root, 'graphiql.html')));
  router.get(/.*/, (req, res, next) => {
    if (API_PATHS.test(req.path)) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(join(root, 'index.html'));
  });
  return router;
}
