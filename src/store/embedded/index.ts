// The embedded graph store: SQLite on local disk (WAL), durable across restarts, no server.
// One writer connection runs transactions one at a time; a separate reader connection serves
// queries from the last committed snapshot, so reads never see a transaction in progress.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { SqliteError } from 'better-sqlite3';
import { StoreConflict, StoreError } from '../errors.js';
import type { ChangeEvent } from '../../domain/events.js';
import type { GraphReader, GraphStore, GraphTx, Outbox, TenantGraph } from '../ports/index.js';
import { trackingAppends } from '../commit-events.js';
import { assetOps } from './assets.js';
import { composeAssetView, composeClassifiedAssets } from '../asset-view.js';
import { classificationOps } from './classification.js';
import { type Conn, conn, driving, list } from './conn.js';
import { incidentOps } from './incidents.js';
import { lineageOps } from './lineage.js';
import { embeddedPropagationQueue, propagationJobOps } from './propagation-jobs.js';
import { crawlOps } from './crawls.js';
import { runOps } from './runs.js';
import { migrate } from './schema.js';

export interface EmbeddedStoreOptions {
  /** Path of the SQLite database file. */
  path: string;
  /** `full` fsyncs every commit (survives power loss); `normal` survives process crashes. */
  synchronous?: 'full' | 'normal';
}

function ops(c: Conn): GraphTx {
  const assets = assetOps(c);
  const classification = classificationOps(c);
  return {
    tenant: c.tenant,
    ...assets,
    assetView: (ref) => composeAssetView({ ...assets, ...classification }, ref),
    classifiedAssets: (ids) => composeClassifiedAssets({ ...assets, ...classification }, ids),
    ...lineageOps(c, assets),
    ...classification,
    ...incidentOps(c),
    ...propagationJobOps(c),
    ...runOps(c),
    ...crawlOps(c),
    async appendEvents(events: readonly ChangeEvent[]) {
      const insert = c.stmt('INSERT INTO outbox (tenant, event_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)');
      for (const e of events) insert.run(c.tenant, e.eventId, e.type, JSON.stringify(e), e.at);
    },
    async claimEvents(eventIds, at) {
      const unique = [...new Set(eventIds)];
      const seen = c
        .stmt(`SELECT l.v AS id FROM ${driving('?')} CROSS JOIN ingested_events e ON e.tenant = ? AND e.event_id = l.v`)
        .all(list(unique), c.tenant) as { id: string }[];
      const known = new Set(seen.map((r) => r.id));
      const insert = c.stmt('INSERT INTO ingested_events (tenant, event_id, at) VALUES (?, ?, ?)');
      for (const id of unique) if (!known.has(id)) insert.run(c.tenant, id, at);
      return [...known];
    },
  };
}

/** Runs async work one at a time, in arrival order. */
class Serializer {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Each connection's page cache, in KiB (a negative cache_size). SQLite's default is 2 MiB: at a
 * million assets the file is 4.7 GB and every upsert's probes of the name, parent and claim
 * indexes went to the operating system for their inner pages.
 */
const CACHE_SIZE = -64 * 1024;

export function createEmbeddedStore(options: EmbeddedStoreOptions): GraphStore {
  mkdirSync(dirname(options.path), { recursive: true });
  const writer = new Database(options.path);
  writer.pragma('journal_mode = WAL');
  writer.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  writer.pragma('foreign_keys = OFF');
  writer.pragma('busy_timeout = 5000');
  writer.pragma(`cache_size = ${CACHE_SIZE}`);
  migrate(writer);
  const reader = new Database(options.path, { readonly: true });
  reader.pragma('busy_timeout = 5000');
  reader.pragma(`cache_size = ${CACHE_SIZE}`);
  const serializer = new Serializer();
  const commitListeners = new Set<() => void>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new StoreError('unavailable', 'the embedded store is closed');
  };

  const outbox: Outbox = {
    async pending(limit) {
      assertOpen();
      const rows = conn(reader, '').stmt('SELECT seq, payload FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?').all(limit) as {
        seq: number;
        payload: string;
      }[];
      return rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.payload) as ChangeEvent }));
    },
    async since(seq, limit) {
      assertOpen();
      const rows = conn(reader, '').stmt('SELECT seq, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as {
        seq: number;
        payload: string;
      }[];
      return rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.payload) as ChangeEvent }));
    },
    async markPublished(seqs) {
      if (seqs.length === 0) return;
      await serializer.run(async () => {
        conn(writer, '')
          .stmt(`UPDATE outbox SET published_at = ? WHERE seq IN (SELECT value FROM json_each(?))`)
          .run(new Date().toISOString(), JSON.stringify(seqs));
      });
    },
    async purgePublished(olderThan) {
      return serializer.run(
        async () => conn(writer, '').stmt('DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?').run(olderThan).changes,
      );
    },
    // One process owns the database file and runs one relay: the lease is always its own.
    lease: async () => true,
  };

  const propagationQueue = embeddedPropagationQueue(conn(writer, ''), (work) =>
    serializer.run(async () => {
      assertOpen();
      return work();
    }),
  );

  return {
    kind: 'embedded',
    outbox,
    propagationQueue,
    tenant(tenant: string): TenantGraph {
      if (tenant.length === 0) throw new Error('tenant must not be empty');
      // The reader connection is read-only: a write through it would fail, and the type offers none.
      const readOps: GraphReader = ops(conn(reader, tenant));
      return {
        ...readOps,
        tenant,
        transaction<T>(work: (tx: GraphTx) => Promise<T>): Promise<T> {
          return serializer.run(async () => {
            assertOpen();
            const { tx, appended } = trackingAppends(ops(conn(writer, tenant)));
            writer.exec('BEGIN IMMEDIATE');
            try {
              const result = await work(tx);
              writer.exec('COMMIT');
              if (appended()) for (const listener of commitListeners) listener();
              return result;
            } catch (error) {
              if (writer.inTransaction) writer.exec('ROLLBACK');
              throw translate(error);
            }
          });
        },
      };
    },
    async purgeClaims(olderThan) {
      return serializer.run(async () => conn(writer, '').stmt('DELETE FROM ingested_events WHERE at < ?').run(olderThan).changes);
    },
    async purgeRuns(olderThan) {
      return serializer.run(async () => conn(writer, '').stmt('DELETE FROM source_runs WHERE updated_at < ?').run(olderThan).changes);
    },
    onCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    async ping() {
      assertOpen();
      reader.prepare('SELECT 1').get();
    },
    async close() {
      await serializer.run(async () => {
        if (closed) return;
        closed = true;
        reader.close();
        writer.close();
      });
    },
  };
}

/** Driver errors in the store taxonomy (store/errors.ts), here at the adapter's one boundary. */
export function translate(error: unknown): unknown {
  if (!(error instanceof SqliteError)) return error;
  if (error.code.startsWith('SQLITE_CONSTRAINT')) return new StoreConflict(undefined, { cause: error });
  // Another process (the import CLI, a second server) held the database past busy_timeout.
  if (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('backpressure', `the embedded database is busy with another writer (${error.code})`, { cause: error });
  }
  return error;
}
