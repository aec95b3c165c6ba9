// Wires configuration, store, change feed, services, workers and the HTTP server together.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createVerifier } from './auth/jwt.js';
import type { Config } from './config.js';
import { createContextFactory } from './graphql/context.js';
import { buildSchema } from './graphql/schema.js';
import { type Services, createServices } from './services/index.js';
import { createMetrics } from './server/metrics.js';
import { type RunningServer, startHttpServer } from './server/http.js';
import { createEmbeddedFeed } from './store/embedded/feed.js';
import { createEmbeddedStore } from './store/embedded/index.js';
import type { ChangeFeed, GraphStore } from './store/ports.js';
import { createOutboxRelay } from './streams/outbox-relay.js';

export interface App {
  config: Config;
  store: GraphStore;
  feed: ChangeFeed;
  services: Services;
  server: RunningServer;
  /** Waits until every committed change event has reached the change feed. */
  flushEvents(): Promise<void>;
  close(): Promise<void>;
}

export async function startApp(config: Config, log: Logger): Promise<App> {
  const store = await openStore(config, log);
  const feed = createEmbeddedFeed();
  log.info({ store: store.kind, feed: feed.kind, ...(store.kind === 'embedded' ? { dataDir: config.dataDir } : { neo4j: config.neo4j?.uri }) }, 'store and change feed selected');
  const metrics = createMetrics();
  const services = createServices({ store, feed, limits: config.limits, log: log.child({ component: 'services' }) });
  metrics.trackSubscriptions(() => services.subscriptions.stats.open);
  const relay = createOutboxRelay({
    store, feed, log: log.child({ component: 'outbox-relay' }), retentionHours: config.outboxRetentionHours,
    onPublished: (n) => metrics.eventsPublished.inc(n),
  });
  await relay.start();
  const verifier = createVerifier(config.jwt);
  const server = await startHttpServer({
    config,
    schema: buildSchema(),
    createContext: createContextFactory({ verifier, services, log }),
    verifier,
    metrics,
    log,
    async checkReady() {
      await Promise.all([store.ping(), feed.ping()]);
      if (!relay.ready()) throw new Error('outbox relay not running');
      return { store: store.kind, feed: feed.kind };
    },
  });
  return {
    config, store, feed, services, server,
    flushEvents: () => relay.flush(),
    async close() {
      await server.close();
      await relay.stop();
      await feed.close();
      await store.close();
    },
  };
}

async function openStore(config: Config, log: Logger): Promise<GraphStore> {
  switch (config.store) {
    case 'embedded':
      return createEmbeddedStore({ path: join(config.dataDir, 'metalake.db'), synchronous: config.embeddedSync });
    case 'neo4j': {
      if (!config.neo4j) throw new Error('STORE=neo4j needs NEO4J_URI');
      const { createNeo4jStore } = await import('./store/neo4j/index.js');
      const slow = log.child({ component: 'neo4j' });
      return createNeo4jStore({ ...config.neo4j, slowQueryMs: 500, onSlowQuery: (cypher, ms) => slow.warn({ ms: Math.round(ms), cypher: cypher.replace(/\s+/g, ' ').slice(0, 200) }, 'slow Cypher statement') });
    }
  }
}
