// Wires configuration, store, change feed, services, workers and the HTTP server together.
//
// Embedded mode: the in-process feed, and sources apply their events in-process.
// With KAFKA_BROKERS: the change feed is a Kafka topic every replica reads, sources publish to the
// ingest lanes, and this process runs the workers named in WORKERS (ingest lanes, enforcer output).
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { withDevelopmentSecret } from './auth/dev-secret.js';
import { createVerifier } from './auth/jwt.js';
import type { Config } from './config.js';
import { createContextFactory } from './graphql/context.js';
import { buildSchema } from './graphql/schema.js';
import { type Services, createServices } from './services/index.js';
import { NO_TRANSFORMS, loadTransformRules } from './services/transforms.js';
import { type Metrics, createMetrics } from './server/metrics.js';
import { type RunningServer, startHttpServer } from './server/http.js';
import { ingestRoutes } from './server/ingest-routes.js';
import { webRoutes } from './server/web.js';
import { DEMO_TENANT } from './demo/estate.js';
import { mintDevToken } from './auth/tokens.js';
import { PROJECT_ROOT } from './paths.js';
import { createEmbeddedFeed } from './store/embedded/feed.js';
import { createEmbeddedStore } from './store/embedded/index.js';
import type { ChangeFeed, GraphStore, SearchIndex } from './store/ports/index.js';
import { createEmbeddedSearchIndex } from './store/embedded/search-index.js';
import { SearchIndexing } from './services/search-indexing.js';
import { createKafkaIndexer, createOutboxIndexer } from './streams/search-indexer.js';
import { kafkaDeadLetters } from './streams/ingest/dead-letters.js';
import { type IngestGateway, inProcessGateway, kafkaGateway } from './streams/ingest/gateway.js';
import { createIngestWorker } from './streams/ingest/worker.js';
import { createLaneGate } from './streams/ingest/lane-gate.js';
import { createKafka, ensureTopics } from './streams/kafka/client.js';
import { createKafkaChangeFeed } from './streams/kafka/change-feed.js';
import { createOutboxRelay } from './streams/outbox-relay.js';
import type { Worker } from './streams/worker.js';
import { createEnforcerWorker } from './streams/outbound/enforcer.js';
import { createCrawlerWorker } from './streams/crawler.js';
import { loadConnectorsFile } from './streams/connectors/sources.js';
import { tagRulesAt } from './streams/tag-rules.js';
import { createPropagationWorker } from './streams/propagation-worker.js';

/** Everything but the HTTP server: what a worker-only process runs too. */
export interface Runtime {
  config: Config;
  store: GraphStore;
  feed: ChangeFeed;
  search: SearchIndex;
  services: Services;
  gateway: IngestGateway;
  metrics: Metrics;
  workers: Map<string, Worker>;
  /** Waits until every committed change event has reached the change feed. */
  flushEvents(): Promise<void>;
  /** Waits until everything committed so far is in the search index (embedded indexing only; tests). */
  flushSearch(): Promise<void>;
  /** Throws when a dependency is unreachable or a worker is not running. */
  checkReady(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface App extends Runtime {
  server: RunningServer;
}

export async function startRuntime(config: Config, log: Logger, options: { relay?: boolean } = {}): Promise<Runtime> {
  const store = await openStore(config, log);
  const kafka = config.kafka ? createKafka(config.kafka, log.child({ component: 'kafka' })) : null;
  const metrics = createMetrics();
  const closers: (() => Promise<unknown>)[] = [() => store.close()];
  let search: SearchIndex;
  try {
    search = await openSearch(config);
  } catch (error) {
    await store.close();
    throw error;
  }
  closers.push(() => search.close());
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: unknown) => log.warn({ err }, 'error while closing'));
  };
  try {
    let feed: ChangeFeed;
    let producer: Producer | null = null;
    if (kafka && config.kafka) {
      const { topics } = config.kafka;
      await ensureTopics(
        kafka,
        [
          topics.changes,
          topics.ingest,
          topics.ingestBulk,
          topics.deadLetters,
          topics.classifications,
          ...(config.kafka.atlasNotifications ? [topics.atlas] : []),
        ],
        config.kafka.partitions,
      );
      feed = await createKafkaChangeFeed({
        kafka,
        topic: topics.changes,
        groupPrefix: config.kafka.groupPrefix,
        log: log.child({ component: 'change-feed' }),
      });
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const p = producer;
      closers.push(() => p.disconnect());
    } else {
      feed = createEmbeddedFeed();
    }
    closers.push(() => feed.close());
    log.info(
      {
        store: store.kind,
        feed: feed.kind,
        search: search.kind,
        ...(store.kind === 'embedded' ? { dataDir: config.dataDir } : { neo4j: config.neo4j?.uri }),
      },
      'store, change feed and search index selected',
    );

    const transforms = config.ingest.transformsFile ? loadTransformRules(config.ingest.transformsFile) : NO_TRANSFORMS;
    const services = createServices({ store, feed, search, limits: config.limits, log: log.child({ component: 'services' }), transforms });
    metrics.trackSubscriptions(() => services.subscriptions.stats.open);
    const gateway =
      kafka && producer && config.kafka
        ? kafkaGateway(producer, { priority: config.kafka.topics.ingest, bulk: config.kafka.topics.ingestBulk })
        : inProcessGateway(services.ingest);

    const workers = new Map<string, Worker>();
    if (options.relay !== false) {
      workers.set(
        'outbox-relay',
        createOutboxRelay({
          store,
          feed,
          log: log.child({ component: 'outbox-relay' }),
          retentionHours: config.outboxRetentionHours,
          onPublished: (n) => metrics.eventsPublished.inc(n),
        }),
      );
    }
    if (config.workers.includes('propagation')) {
      workers.set(
        'propagation',
        createPropagationWorker({
          store,
          jobs: services.propagationJobs,
          log: log.child({ component: 'propagation' }),
          chunkSize: config.propagation.chunk,
          onRows: (n) => metrics.propagationRows.inc(n),
          onJob: (outcome) => metrics.propagationJobs.inc({ outcome }),
        }),
      );
    }
    let outboxIndexer: ReturnType<typeof createOutboxIndexer> | null = null;
    if (config.workers.includes('indexer')) {
      const indexing = new SearchIndexing(store, search);
      const indexerLog = log.child({ component: 'indexer' });
      const indexerMetrics = {
        indexed: (n: number) => metrics.searchDocuments.inc(n),
        paused: (on: boolean) => metrics.searchPaused.set(on ? 1 : 0),
      };
      if (kafka && config.kafka) {
        // A shared index (Elasticsearch) is fed once by a group all replicas share; an embedded
        // index is this replica's own, so its group is too (stable across restarts of the replica).
        const groupId =
          search.kind === 'embedded'
            ? `${config.kafka.groupPrefix}.indexer.local.${createHash('sha256').update(`${hostname()}:${config.dataDir}`).digest('hex').slice(0, 12)}`
            : `${config.kafka.groupPrefix}.indexer`;
        workers.set(
          'indexer',
          createKafkaIndexer({ kafka, topic: config.kafka.topics.changes, groupId, indexing, log: indexerLog, metrics: indexerMetrics }),
        );
      } else {
        outboxIndexer = createOutboxIndexer({ store, index: search, indexing, log: indexerLog, metrics: indexerMetrics });
        workers.set('indexer', outboxIndexer);
      }
    }
    if (config.workers.includes('crawler') && config.ingest.connectorsFile) {
      workers.set(
        'crawler',
        createCrawlerWorker({
          sources: loadConnectorsFile(config.ingest.connectorsFile),
          tagRules: tagRulesAt(config.ingest.tagRulesFile),
          store,
          // In one process each event of a crawl applies on its own: one refused event is that event's refusal.
          gateway: kafka ? gateway : inProcessGateway(services.ingest, { atomic: false }),
          transforms,
          limits: config.limits,
          log: log.child({ component: 'crawler' }),
          onRun: (run, seconds) => metrics.crawl(run, seconds),
        }),
      );
    }
    if (kafka && producer && config.kafka) {
      for (const [name, worker] of kafkaWorkers(config, kafka, producer, store, services, metrics, log)) workers.set(name, worker);
    }
    for (const [name, worker] of workers) {
      await worker.start();
      closers.push(() => worker.stop());
      log.debug({ worker: name }, 'worker started');
    }
    const purge = setInterval(() => {
      const cutoff = new Date(Date.now() - config.ingest.claimRetentionHours * 3600_000).toISOString();
      store.purgeClaims(cutoff).catch((err: unknown) => log.warn({ err }, 'purging ingested event ids failed'));
      const runCutoff = new Date(Date.now() - config.ingest.runRetentionHours * 3600_000).toISOString();
      store.purgeRuns(runCutoff).catch((err: unknown) => log.warn({ err }, 'purging reported runs failed'));
    }, 15 * 60_000);
    purge.unref();
    closers.push(() => Promise.resolve(clearInterval(purge)));

    const relay = workers.get('outbox-relay') as (Worker & { flush(): Promise<void> }) | undefined;
    return {
      config,
      store,
      feed,
      search,
      services,
      gateway,
      metrics,
      workers,
      flushEvents: async () => relay?.flush(),
      flushSearch: async () => outboxIndexer?.caughtUp(),
      async checkReady() {
        await Promise.all([store.ping(), feed.ping(), search.ping()]);
        const down = [...workers].filter(([, w]) => !w.ready()).map(([name]) => name);
        if (down.length > 0) throw new Error(`not running: ${down.join(', ')}`);
        return {
          store: store.kind,
          feed: feed.kind,
          search: search.kind,
          ingest: gateway.mode,
          workers: [...workers.keys()].join(',') || 'none',
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function kafkaWorkers(
  config: Config,
  kafka: Kafka,
  producer: Producer,
  store: GraphStore,
  services: Services,
  metrics: Metrics,
  log: Logger,
): [string, Worker][] {
  const settings = config.kafka!;
  const { topics } = settings;
  const result: [string, Worker][] = [];
  if (config.workers.includes('ingest')) {
    const deadLetters = kafkaDeadLetters(producer, topics.deadLetters);
    // Tables before columns: the bulk lane holds its chunks while the core lane is writing.
    const gate = createLaneGate();
    const lanes = [
      { lane: 'priority' as const, topic: topics.ingest, chunkSize: config.ingest.chunkPriority, fetch: { maxWaitTimeInMs: 100 } },
      // Columns: fuller fetches and bigger transactions; fresh a little later, cheaper per event.
      {
        lane: 'bulk' as const,
        topic: topics.ingestBulk,
        chunkSize: config.ingest.chunkBulk,
        fetch: { minBytes: 64 * 1024, maxWaitTimeInMs: 500, maxBytesPerPartition: 8 * 1024 * 1024 },
      },
    ];
    for (const l of lanes) {
      result.push([
        `ingest-${l.lane}`,
        createIngestWorker({
          kafka,
          lane: l.lane,
          topic: l.topic,
          groupId: `${settings.groupPrefix}.ingest.${l.lane}`,
          ingest: services.ingest,
          deadLetters,
          log: log.child({ component: 'ingest', lane: l.lane }),
          metrics: metrics.ingest,
          chunkSize: l.chunkSize,
          deferralMs: config.ingest.deferralMs,
          sessionTimeoutMs: settings.sessionTimeoutMs,
          concurrency: settings.partitions,
          gate,
          ...l.fetch,
        }),
      ]);
    }
  }
  if (config.workers.includes('enforcer')) {
    result.push([
      'enforcer',
      createEnforcerWorker({
        kafka,
        store,
        changesTopic: topics.changes,
        classificationsTopic: topics.classifications,
        atlasTopic: settings.atlasNotifications ? topics.atlas : null,
        atlasClusterName: settings.atlasClusterName,
        groupId: `${settings.groupPrefix}.enforcer`,
        log: log.child({ component: 'enforcer' }),
        onPublished: (n) => metrics.enforcerEvents.inc(n),
      }),
    ]);
  }
  return result;
}

export async function startApp(given: Config, log: Logger): Promise<App> {
  const config = withDevelopmentSecret(given);
  const runtime = await startRuntime(config, log);
  try {
    const verifier = createVerifier(config.jwt);
    const server = await startHttpServer({
      config,
      schema: buildSchema(),
      createContext: createContextFactory({ verifier, services: runtime.services, log }),
      verifier,
      metrics: runtime.metrics,
      log,
      routes: ingestRoutes({ config, verifier, gateway: runtime.gateway, log: log.child({ component: 'sources' }) }),
      web: webRoutes({
        root: join(PROJECT_ROOT, 'dist', 'catalog'),
        devTokens: config.jwt.devSecret ? () => demoTokens(config) : undefined,
      }),
      checkReady: () => runtime.checkReady(),
      openSubscriptions: (tenant) => runtime.services.subscriptions.stats.openByTenant.get(tenant) ?? 0,
    });
    return {
      ...runtime,
      server,
      async close() {
        await server.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

export async function openSearch(config: Config): Promise<SearchIndex> {
  if (config.search.kind === 'embedded')
    return createEmbeddedSearchIndex({ path: join(config.dataDir, 'search.db'), workers: config.search.workers });
  const { createElasticsearchIndex } = await import('./store/elasticsearch/index.js');
  const index = createElasticsearchIndex(config.search);
  try {
    await index.ping();
  } catch (error) {
    await index.close();
    throw new Error(`Elasticsearch at ${config.search.url} does not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  return index;
}

export async function openStore(config: Config, log: Logger): Promise<GraphStore> {
  switch (config.store) {
    case 'embedded':
      return createEmbeddedStore({ path: join(config.dataDir, 'metalake.db'), synchronous: config.embeddedSync });
    case 'neo4j': {
      if (!config.neo4j) throw new Error('STORE=neo4j needs NEO4J_URI');
      const { createNeo4jStore } = await import('./store/neo4j/index.js');
      const slow = log.child({ component: 'neo4j' });
      return createNeo4jStore({
        ...config.neo4j,
        onSlowQuery: (cypher, ms) =>
          slow.warn({ ms: Math.round(ms), cypher: cypher.replace(/\s+/g, ' ').slice(0, 200) }, 'slow Cypher statement'),
      });
    }
  }
}

/**
 * The one shutdown routine of every long-running process (the server, `metalake worker`): on
 * SIGTERM or SIGINT, close (workers drain and stop, then the server and the stores) and resolve;
 * a close that outlasts `graceMs`, or fails, ends the process with status 1.
 */
export function untilShutdown(close: () => Promise<void>, log: Logger, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, graceMs }, 'shutting down: draining workers, then closing');
      const force = setTimeout(() => {
        log.error({ graceMs }, 'shutdown took longer than its grace period: exiting');
        process.exit(1);
      }, graceMs);
      force.unref();
      close().then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/** The development tokens `npm start` prints and the catalog's one-click sign-in uses. */
export async function demoTokens(config: Config): Promise<{ tenant: string; tokens: Record<string, string> }> {
  const [viewer, steward] = await Promise.all([
    mintDevToken(config.jwt, { tenant: DEMO_TENANT, roles: ['viewer'] }),
    mintDevToken(config.jwt, { tenant: DEMO_TENANT, roles: ['steward'] }),
  ]);
  return { tenant: DEMO_TENANT, tokens: { viewer, steward } };
}
