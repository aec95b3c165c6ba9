// The search indexer: change events in, documents rebuilt from the graph store out (bulk), so an
// asset's document reflects its record, columns, classifications (propagated ones included) and
// open incidents within a second or two of the change.
//
// Two ways to follow the changes, both durable:
// - with Kafka, one consumer group on the change topic shared by all replicas; offsets are
//   committed after the index acknowledged the batch;
// - without, the store's outbox read by sequence, with the position kept in the search index
//   itself (`checkpoint`), so a restart resumes where the last acknowledged batch ended.
// When the index pushes back (Elasticsearch 429) or is unreachable, indexing pauses with backoff
// and resumes; nothing is skipped.
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ChangeEvent } from '../domain/events.js';
import type { SearchIndexing } from '../services/search-indexing.js';
import type { GraphStore, SearchIndex } from '../store/ports/index.js';
import { type Worker, pauseReport, untilAvailable } from './worker.js';
import { Pacer } from './pacer.js';

export interface IndexerMetrics {
  indexed(count: number): void;
  paused(on: boolean): void;
}

/** Applies until the index takes it; false only when the worker is stopping. */
async function applyWithBackoff(
  indexing: SearchIndexing,
  events: readonly ChangeEvent[],
  log: Logger,
  running: () => boolean,
  metrics?: IndexerMetrics,
  beat?: () => Promise<void>,
): Promise<boolean> {
  const indexed = await untilAvailable(() => indexing.apply(events), {
    initialMs: 250,
    maxMs: 5000,
    keepTrying: running,
    onPause: (error) => {
      const { level, failure, hint } = pauseReport(error);
      log[level]({ err: error, failure }, `indexing failed (${failure}): paused, ${hint}`);
      metrics?.paused(true);
    },
    onResume: (pausedMs) => {
      log.info({ pausedMs }, 'search index reachable again: indexing resumed');
      metrics?.paused(false);
    },
    ...(beat ? { betweenAttempts: beat } : {}),
  });
  if (indexed === null) return false;
  metrics?.indexed(indexed);
  return true;
}

export interface OutboxIndexerOptions {
  store: GraphStore;
  index: SearchIndex;
  indexing: SearchIndexing;
  log: Logger;
  metrics?: IndexerMetrics;
  batchSize?: number;
  pollMs?: number;
}

const CHECKPOINT = 'outbox';

export function createOutboxIndexer(options: OutboxIndexerOptions): Worker & { caughtUp(): Promise<void> } {
  const { store, index, log } = options;
  const batchSize = options.batchSize ?? 1000;
  const pollMs = options.pollMs ?? 250;
  let running = false;
  let loop: Promise<void> | null = null;
  const pacer = new Pacer();
  let unsubscribe: (() => void) | null = null;

  async function work(): Promise<void> {
    let position: number | null = null;
    while (running && position === null) {
      try {
        position = (await index.checkpoint(CHECKPOINT)) ?? 0;
      } catch (error) {
        log.error({ err: error }, 'reading the indexer checkpoint failed; retrying in 1s');
        await pacer.sleep(1000);
      }
    }
    if (position === null) return;
    while (running) {
      let entries;
      try {
        entries = await store.outbox.since(position, batchSize);
      } catch (error) {
        log.error({ err: error }, 'reading the outbox failed; retrying in 1s');
        await pacer.sleep(1000);
        continue;
      }
      if (entries.length === 0) {
        pacer.idle();
        await pacer.sleep(pollMs);
        continue;
      }
      const first = entries[0]!.seq;
      if (position > 0 && first > position + 1) {
        log.warn(
          { from: position + 1, to: first - 1 },
          'change events were purged from the outbox before they were indexed: run `metalake reindex` for the tenants concerned',
        );
      }
      const started = performance.now();
      if (
        !(await applyWithBackoff(
          options.indexing,
          entries.map((e) => e.event),
          log,
          () => running,
          options.metrics,
        ))
      )
        return;
      position = entries[entries.length - 1]!.seq;
      // A checkpoint that could not be saved only means replaying a little after a restart.
      await index.saveCheckpoint(CHECKPOINT, position).catch((err: unknown) => log.warn({ err }, 'saving the indexer checkpoint failed'));
      log.debug({ events: entries.length, position, ms: Math.round(performance.now() - started) }, 'indexed');
    }
  }

  return {
    start() {
      running = true;
      unsubscribe = store.onCommit(() => pacer.wake());
      loop = work().catch((error: unknown) => log.error({ err: error }, 'search indexer stopped on an error'));
      return Promise.resolve();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      pacer.wake();
      await loop;
      pacer.idle();
    },
    ready: () => running,
    /** Resolves once everything committed so far is indexed (tests, benchmarks). */
    caughtUp: () => pacer.whenIdle(),
  };
}

export interface KafkaIndexerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  indexing: SearchIndexing;
  log: Logger;
  metrics?: IndexerMetrics;
}

export function createKafkaIndexer(options: KafkaIndexerOptions): Worker {
  const { kafka, log } = options;
  let consumer: Consumer | null = null;
  let running = false;
  let joined = false;
  return {
    async start() {
      consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: 30_000, maxWaitTimeInMs: 100 });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
      });
      await consumer.connect();
      // A new index (or deployment) starts from the retained change topic; `metalake reindex` covers the rest.
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      running = true;
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const events = payload.batch.messages.flatMap((m) => {
            try {
              const e = JSON.parse(m.value?.toString() ?? 'null') as ChangeEvent | null;
              return e ? [e] : [];
            } catch {
              log.error({ offset: m.offset, partition: payload.batch.partition }, 'unreadable change event skipped');
              return [];
            }
          });
          const ok = await applyWithBackoff(
            options.indexing,
            events,
            log,
            () => running && payload.isRunning() && !payload.isStale(),
            options.metrics,
            () => payload.heartbeat(),
          );
          if (!ok) return;
          const last = payload.batch.messages[payload.batch.messages.length - 1];
          if (last) payload.resolveOffset(last.offset);
          await payload.heartbeat();
        },
      });
      log.info({ group: options.groupId }, 'search indexer started');
    },
    async stop() {
      running = false;
      await consumer?.disconnect();
      consumer = null;
    },
    ready: () => running && joined,
  };
}
