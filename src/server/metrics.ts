import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CrawlRunRecord } from '../domain/crawls.js';
import type { IngestMetrics } from '../streams/ingest/worker.js';

export interface Metrics {
  registry: Registry;
  eventsPublished: Counter;
  enforcerEvents: Counter;
  propagationRows: Counter;
  searchDocuments: Counter;
  searchPaused: Gauge;
  propagationJobs: Counter<'outcome'>;
  /** One finished crawl run of a source (the crawler worker's). */
  crawl(run: CrawlRunRecord, seconds: number): void;
  ingest: IngestMetrics;
  apolloPlugin: ApolloServerPlugin;
  trackSubscriptions(count: () => number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'metalake_' });
  const operations = new Histogram({
    name: 'metalake_graphql_operation_duration_seconds',
    help: 'GraphQL operation duration over HTTP, by operation type and outcome',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const eventsPublished = new Counter({
    name: 'metalake_change_events_published_total',
    help: 'Change events moved from the outbox to the change feed',
    registers: [registry],
  });
  const enforcerEvents = new Counter({
    name: 'metalake_enforcer_events_published_total',
    help: 'Classification events published to the enforcer topics',
    registers: [registry],
  });
  const propagationRows = new Counter({
    name: 'metalake_propagation_rows_applied_total',
    help: 'Propagation rows written by background propagation jobs',
    registers: [registry],
  });
  const propagationJobs = new Counter({
    name: 'metalake_propagation_job_runs_total',
    help: 'Background propagation job runs by outcome (done, stopped, lost)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const crawlRuns = new Counter({
    name: 'metalake_crawl_runs_total',
    help: 'Connector crawl runs by source and how they ended (SUCCEEDED, PARTIAL, FAILED)',
    labelNames: ['source', 'status'] as const,
    registers: [registry],
  });
  const crawlDuration = new Histogram({
    name: 'metalake_crawl_duration_seconds',
    help: 'Connector crawl run duration by source',
    labelNames: ['source'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const crawlAssets = new Gauge({
    name: 'metalake_crawl_assets',
    help: 'Assets the last run of a source found (created, updated and unchanged)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const crawlLastSuccess = new Gauge({
    name: 'metalake_crawl_last_success_timestamp_seconds',
    help: 'When a source last crawled successfully (Unix time)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const searchDocuments = new Counter({
    name: 'metalake_search_documents_indexed_total',
    help: 'Search documents written or removed by the indexer',
    registers: [registry],
  });
  const searchPaused = new Gauge({
    name: 'metalake_search_indexing_paused',
    help: '1 while indexing waits for the search index (or the store) to answer',
    registers: [registry],
  });
  const ingestEvents = new Counter({
    name: 'metalake_ingest_events_total',
    help: 'Inbound events by lane and outcome',
    labelNames: ['lane', 'outcome'] as const,
    registers: [registry],
  });
  const freshness = new Histogram({
    name: 'metalake_ingest_freshness_seconds',
    help: 'Per lane: from the Kafka record timestamp to the store commit that applied it',
    labelNames: ['lane'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const paused = new Gauge({
    name: 'metalake_ingest_paused',
    help: '1 while a lane waits for the store to answer',
    labelNames: ['lane'] as const,
    registers: [registry],
  });
  return {
    registry,
    eventsPublished,
    enforcerEvents,
    propagationRows,
    searchDocuments,
    searchPaused,
    propagationJobs,
    crawl(run, seconds) {
      crawlRuns.inc({ source: run.source, status: run.status });
      crawlDuration.observe({ source: run.source }, seconds);
      if (run.status !== 'FAILED') crawlAssets.set({ source: run.source }, run.counts.created + run.counts.updated + run.counts.unchanged);
      if (run.status === 'SUCCEEDED') crawlLastSuccess.set({ source: run.source }, Date.parse(run.finishedAt ?? run.startedAt) / 1000);
    },
    ingest: {
      outcome: (lane, outcome, count) => {
        if (count > 0) ingestEvents.inc({ lane, outcome }, count);
      },
      freshness: (lane, seconds) => freshness.observe({ lane }, seconds),
      paused: (lane, on) => paused.set({ lane }, on ? 1 : 0),
    },
    trackSubscriptions(count) {
      new Gauge({
        name: 'metalake_subscriptions_open',
        help: 'Open GraphQL subscriptions on this replica',
        registers: [registry],
        collect() {
          this.set(count());
        },
      });
    },
    apolloPlugin: {
      requestDidStart() {
        const end = operations.startTimer();
        return Promise.resolve({
          willSendResponse(rc) {
            end({ type: rc.operation?.operation ?? 'unknown', outcome: rc.errors?.length ? 'error' : 'ok' });
            return Promise.resolve();
          },
        });
      },
    },
  };
}
