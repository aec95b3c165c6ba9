// The Neo4j graph store: assets as nodes, lineage as :FLOWS_TO and containment as :CONTAINS
// relationships; assignments, blocks, propagation rows, history, incidents and the outbox as
// nodes keyed by tenant. Every query names the tenant; writes run in managed transactions
// (retried by the driver on transient errors) with batched UNWIND statements.
import neo4j, { type Driver } from 'neo4j-driver';
import type { ChangeEvent } from '../../domain/events.js';
import type { GraphReader, GraphStore, GraphTx, Outbox, OutboxEntry, TenantGraph } from '../ports/index.js';
import { trackingAppends } from '../commit-events.js';
import { assetOps } from './assets.js';
import { classificationOps } from './classification.js';
import { incidentOps } from './incidents.js';
import { lineageOps } from './lineage.js';
import { neo4jPropagationQueue, propagationJobOps } from './propagation-jobs.js';
import { crawlOps } from './crawls.js';
import { runOps } from './runs.js';
import { type Cx, type Run, disableNagle, inTx, readRunner } from './session.js';

export interface Neo4jStoreOptions {
  uri: string;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  /** Statements slower than `slowQueryMs` are reported here (e.g. logged at warn). */
  onSlowQuery?: ((cypher: string, ms: number) => void) | undefined;
  slowQueryMs?: number | undefined;
  /** Most events one outbox batch node holds (default OUTBOX_BATCH_EVENTS); tests set it small. */
  outboxBatchEvents?: number | undefined;
}

/**
 * A transaction's events are stored as batch nodes of at most this many. A reader loads a batch's
 * whole `events` list to slice it, so a 5,000-event propagation chunk in one node was loaded whole
 * by every read of 1,000 (the relay's and the search indexer's: ten loads of it); in nodes of 500
 * each event is loaded about once per reader.
 */
export const OUTBOX_BATCH_EVENTS = 500;

const SCHEMA = [
  'CREATE CONSTRAINT asset_id IF NOT EXISTS FOR (a:Asset) REQUIRE (a.tenant, a.id) IS UNIQUE',
  'CREATE CONSTRAINT asset_qualified_name IF NOT EXISTS FOR (a:Asset) REQUIRE (a.tenant, a.qualifiedName) IS UNIQUE',
  'CREATE INDEX asset_tenant IF NOT EXISTS FOR (a:Asset) ON (a.tenant)',
  'CREATE INDEX asset_parent IF NOT EXISTS FOR (a:Asset) ON (a.tenant, a.parentId)',
  'CREATE INDEX flow_process IF NOT EXISTS FOR ()-[r:FLOWS_TO]-() ON (r.processId)',
  'CREATE CONSTRAINT classification_type IF NOT EXISTS FOR (c:ClassificationType) REQUIRE (c.tenant, c.name) IS UNIQUE',
  'CREATE CONSTRAINT direct_assignment IF NOT EXISTS FOR (d:Direct) REQUIRE (d.tenant, d.assetId, d.classification) IS UNIQUE',
  'CREATE INDEX direct_by_asset IF NOT EXISTS FOR (d:Direct) ON (d.tenant, d.assetId)',
  'CREATE CONSTRAINT propagation_row IF NOT EXISTS FOR (p:Propagation) REQUIRE (p.tenant, p.classification, p.sourceId, p.assetId) IS UNIQUE',
  'CREATE INDEX propagation_by_asset IF NOT EXISTS FOR (p:Propagation) ON (p.tenant, p.assetId)',
  'CREATE INDEX propagation_by_unit IF NOT EXISTS FOR (p:Propagation) ON (p.tenant, p.classification, p.sourceId)',
  'DROP INDEX propagation_by_source IF EXISTS',
  'CREATE CONSTRAINT block IF NOT EXISTS FOR (b:Block) REQUIRE (b.tenant, b.assetId, b.classification) IS UNIQUE',
  'CREATE INDEX block_by_asset IF NOT EXISTS FOR (b:Block) ON (b.tenant, b.assetId)',
  'CREATE CONSTRAINT propagation_lock IF NOT EXISTS FOR (l:PropagationLock) REQUIRE (l.tenant, l.classification) IS UNIQUE',
  'CREATE INDEX history_by_asset IF NOT EXISTS FOR (h:History) ON (h.tenant, h.assetId)',
  'CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (i:Incident) REQUIRE (i.tenant, i.id) IS UNIQUE',
  'CREATE CONSTRAINT incident_external IF NOT EXISTS FOR (i:Incident) REQUIRE (i.tenant, i.source, i.externalId) IS UNIQUE',
  'CREATE INDEX incident_tenant IF NOT EXISTS FOR (i:Incident) ON (i.tenant)',
  // Outbox events before 2026-12-03 were one node each; they are moved into batches at start.
  'CREATE CONSTRAINT outbox_seq IF NOT EXISTS FOR (e:OutboxEvent) REQUIRE e.seq IS UNIQUE',
  'CREATE CONSTRAINT outbox_batch IF NOT EXISTS FOR (b:OutboxBatch) REQUIRE b.first IS UNIQUE',
  'CREATE INDEX outbox_batch_pending IF NOT EXISTS FOR (b:PendingBatch) ON (b.first)',
  'CREATE INDEX outbox_batch_last IF NOT EXISTS FOR (b:OutboxBatch) ON (b.last)',
  'CREATE INDEX outbox_batch_published IF NOT EXISTS FOR (b:OutboxBatch) ON (b.publishedAt)',
  'CREATE CONSTRAINT outbox_sequence IF NOT EXISTS FOR (s:OutboxSequence) REQUIRE s.name IS UNIQUE',
  'CREATE CONSTRAINT outbox_lease IF NOT EXISTS FOR (l:OutboxLease) REQUIRE l.name IS UNIQUE',
  'CREATE CONSTRAINT ingested_event IF NOT EXISTS FOR (e:IngestedEvent) REQUIRE (e.tenant, e.id) IS UNIQUE',
  'CREATE INDEX ingested_event_at IF NOT EXISTS FOR (e:IngestedEvent) ON (e.at)',
  'CREATE CONSTRAINT propagation_job_unit IF NOT EXISTS FOR (j:PropagationJob) REQUIRE (j.tenant, j.classification, j.sourceId) IS UNIQUE',
  'CREATE CONSTRAINT propagation_job_id IF NOT EXISTS FOR (j:PropagationJob) REQUIRE j.id IS UNIQUE',
  'CREATE INDEX propagation_job_status IF NOT EXISTS FOR (j:PropagationJob) ON (j.status)',
  'CREATE CONSTRAINT source_run IF NOT EXISTS FOR (r:SourceRun) REQUIRE (r.tenant, r.key) IS UNIQUE',
  'CREATE INDEX source_run_updated IF NOT EXISTS FOR (r:SourceRun) ON (r.updatedAt)',
  'CREATE CONSTRAINT crawl_run IF NOT EXISTS FOR (r:CrawlRun) REQUIRE (r.tenant, r.id) IS UNIQUE',
  'CREATE INDEX crawl_run_started IF NOT EXISTS FOR (r:CrawlRun) ON (r.tenant, r.startedAt)',
  'CREATE CONSTRAINT crawl_inventory IF NOT EXISTS FOR (e:CrawlInventory) REQUIRE (e.tenant, e.source, e.key) IS UNIQUE',
  'CREATE INDEX crawl_inventory_source IF NOT EXISTS FOR (e:CrawlInventory) ON (e.tenant, e.source)',
  'CREATE CONSTRAINT crawl_lease IF NOT EXISTS FOR (l:CrawlLease) REQUIRE (l.tenant, l.source) IS UNIQUE',
];

function ops(cx: Cx, batchEvents: number): GraphTx {
  const assets = assetOps(cx);
  return {
    tenant: cx.tenant,
    ...assets,
    ...lineageOps(cx, assets),
    ...classificationOps(cx),
    ...incidentOps(cx),
    ...propagationJobOps(cx),
    ...runOps(cx),
    ...crawlOps(cx),
    async appendEvents(events: readonly ChangeEvent[]) {
      if (events.length === 0) return;
      // The sequence node's write lock is held to commit, so sequence order is commit order. The
      // events of one call take one range of seq, stored as batch nodes (seq first..last) of at
      // most `batchEvents` each: one write, not one per event.
      const groups: string[][] = [];
      for (let i = 0; i < events.length; i += batchEvents) groups.push(events.slice(i, i + batchEvents).map((e) => JSON.stringify(e)));
      await cx.run(
        `MATCH (s:OutboxSequence {name: 'outbox'})
        SET s.value = s.value + $n
        WITH s.value - $n AS base
        UNWIND range(0, size($groups) - 1) AS g
        WITH base + g * $size AS upTo, $groups[g] AS events
        CREATE (:OutboxBatch:PendingBatch {first: upTo + 1, last: upTo + size(events), upTo: upTo, tenant: $t, events: events, createdAt: $at})`,
        { t: cx.tenant, n: events.length, size: batchEvents, groups, at: events[0]!.at },
      );
    },
    async claimEvents(eventIds, at) {
      if (eventIds.length === 0) return [];
      // MERGE under the (tenant, id) constraint: of two workers claiming one id at once, one waits and sees it taken.
      const rows = await cx.run<{ id: string; fresh: boolean }>(
        `UNWIND $ids AS id
        MERGE (e:IngestedEvent {tenant: $t, id: id}) ON CREATE SET e.at = $at, e.fresh = true ON MATCH SET e.fresh = false
        WITH e, e.fresh AS fresh REMOVE e.fresh RETURN e.id AS id, fresh`,
        { t: cx.tenant, ids: [...new Set(eventIds)], at },
      );
      return rows.filter((r) => !r.fresh).map((r) => r.id);
    },
  };
}

/**
 * The tail of an outbox read: given batches `b` in commit order with the index `from` of the
 * first event wanted and the count `left` from there, the slices that make `$limit` events.
 * Only the batches that contribute are read past their bounds: a backlog of large batches costs
 * the events returned, not the backlog.
 */
const SLICES = `WITH collect({b: b, from: from, left: left}) AS rows
  UNWIND range(0, size(rows) - 1) AS i
  WITH rows[i] AS r, reduce(n = 0, x IN rows[0..i] | n + x.left) AS before
  WHERE before < $limit AND r.left > 0
  RETURN r.b.first + r.from AS seq, r.b.events[r.from..r.from + $limit - before] AS events
  ORDER BY seq`;

interface SliceRow {
  seq: number;
  events: string[];
}

/** The slices' events with their seq (each slice's first, then one more per event). */
const entries = (rows: readonly SliceRow[]): OutboxEntry[] =>
  rows.flatMap((row) => row.events.map((json, k) => ({ seq: row.seq + k, event: JSON.parse(json) as ChangeEvent })));

/**
 * Outbox events written as one node each (before batches) become one-event batches, published
 * or not as they were, oldest first; nothing is lost or reordered, and a second replica doing
 * the same at once finds each event's batch there (MERGE on the batch's constraint).
 */
async function migrateOutbox(write: <T>(work: (run: Run) => Promise<T>) => Promise<T>): Promise<void> {
  for (;;) {
    const [row] = await write((run) =>
      run<{ n: number }>(
        `MATCH (e:OutboxEvent) WITH e ORDER BY e.seq LIMIT 5000
        MERGE (b:OutboxBatch {first: e.seq})
          ON CREATE SET b.last = e.seq, b.upTo = CASE WHEN e:PendingEvent THEN e.seq - 1 ELSE e.seq END, b.tenant = e.tenant,
            b.events = [e.payload], b.createdAt = e.createdAt, b.publishedAt = e.publishedAt
        WITH b, e, e:PendingEvent AS pending
        FOREACH (_ IN CASE WHEN pending THEN [1] ELSE [] END | SET b:PendingBatch)
        DELETE e
        RETURN count(*) AS n`,
      ),
    );
    if ((row?.n ?? 0) === 0) return;
  }
}

export async function createNeo4jStore(options: Neo4jStoreOptions): Promise<GraphStore> {
  disableNagle();
  const auth = options.user ? neo4j.auth.basic(options.user, options.password ?? '') : undefined;
  const driver: Driver = neo4j.driver(options.uri, auth, {
    disableLosslessIntegers: true,
    maxConnectionPoolSize: 50,
    connectionAcquisitionTimeout: 30_000,
  });
  const database = options.database;
  await driver.verifyConnectivity(database ? { database } : {});
  const threshold = options.slowQueryMs ?? 500;
  const batchEvents = Math.max(1, options.outboxBatchEvents ?? OUTBOX_BATCH_EVENTS);
  const observe = options.onSlowQuery
    ? (cypher: string, ms: number) => {
        if (ms >= threshold) options.onSlowQuery!(cypher, ms);
      }
    : undefined;
  const read: Run = readRunner(driver, database, observe);
  const write = <T>(work: (run: Run) => Promise<T>): Promise<T> => inTx(driver, database, 'write', work, observe);
  for (const statement of SCHEMA) await write((run) => run(statement));
  await write((run) => run("MERGE (s:OutboxSequence {name: 'outbox'}) ON CREATE SET s.value = 0"));
  await write((run) => run("MERGE (l:OutboxLease {name: 'relay'}) ON CREATE SET l.owner = null, l.until = 0"));
  const commitListeners = new Set<() => void>();

  await migrateOutbox(write);

  const outbox: Outbox = {
    async pending(limit) {
      // Batches in commit order, each from its first event not yet published.
      const rows = await read<SliceRow>(
        `MATCH (b:PendingBatch) WITH b ORDER BY b.first LIMIT $limit
        WITH b, b.upTo - b.first + 1 AS from, b.last - b.upTo AS left ${SLICES}`,
        { limit },
      );
      return entries(rows);
    },
    async since(seq, limit) {
      // Batches are disjoint ranges of seq: ordered by their last event, they are in commit order.
      const rows = await read<SliceRow>(
        `MATCH (b:OutboxBatch) WHERE b.last > $seq WITH b ORDER BY b.last LIMIT $limit
        WITH b, CASE WHEN $seq >= b.first THEN $seq - b.first + 1 ELSE 0 END AS from
        WITH b, from, b.last - b.first + 1 - from AS left ${SLICES}`,
        { seq, limit },
      );
      return entries(rows);
    },
    async markPublished(seqs) {
      if (seqs.length === 0) return;
      const sorted = [...seqs].sort((a, b) => a - b);
      // A batch moves past each published event that follows the last one it had; once past its
      // last event it is published. (A seq out of that order leaves its batch pending: published
      // again later, which the feed's consumers, deduplicating by eventId, allow.)
      await write((run) =>
        run(
          `MATCH (b:PendingBatch) WHERE b.first <= $max AND b.last >= $min
          WITH b, reduce(u = b.upTo, s IN $seqs | CASE WHEN s = u + 1 AND s <= b.last THEN s ELSE u END) AS upTo
          SET b.upTo = upTo
          WITH b WHERE b.upTo >= b.last
          REMOVE b:PendingBatch SET b.publishedAt = $now`,
          { seqs: sorted, min: sorted[0], max: sorted[sorted.length - 1], now: new Date().toISOString() },
        ),
      );
    },
    async purgePublished(olderThan) {
      const [row] = await write((run) =>
        run<{ n: number }>(
          'MATCH (b:OutboxBatch) WHERE b.publishedAt < $cutoff WITH b, b.last - b.first + 1 AS n LIMIT 1000 DELETE b RETURN sum(n) AS n',
          { cutoff: olderThan },
        ),
      );
      return row?.n ?? 0;
    },
    async lease(owner, ttlMs) {
      return write(async (run) => {
        // The first statement takes the lease node's write lock, so the check below reads the
        // committed state of any relay that raced us: two relays never both win.
        await run("MATCH (l:OutboxLease {name: 'relay'}) SET l.touched = timestamp()");
        const [row] = await run<{ n: number }>(
          `MATCH (l:OutboxLease {name: 'relay'})
          WHERE l.owner = $owner OR l.owner IS NULL OR l.until < timestamp()
          SET l.owner = $owner, l.until = timestamp() + $ttl RETURN count(l) AS n`,
          { owner, ttl: ttlMs },
        );
        return (row?.n ?? 0) > 0;
      });
    },
  };

  return {
    kind: 'neo4j',
    outbox,
    propagationQueue: neo4jPropagationQueue(write),
    tenant(tenant: string): TenantGraph {
      if (tenant.length === 0) throw new Error('tenant must not be empty');
      const reader: GraphReader = ops({ tenant, run: read }, batchEvents);
      // A traversal or a lineage answer may take several statements: all of them in one read transaction.
      const readTx = <T>(work: (r: GraphReader) => Promise<T>) =>
        inTx(driver, database, 'read', (run) => work(ops({ tenant, run }, batchEvents)), observe);
      return {
        ...reader,
        traverse: (rootId, direction, maxDepth, bounds) => readTx((r) => r.traverse(rootId, direction, maxDepth, bounds)),
        lineage: (qualifiedName, directions, maxDepth, bounds) => readTx((r) => r.lineage(qualifiedName, directions, maxDepth, bounds)),
        tenant,
        async transaction<T>(work: (tx: GraphTx) => Promise<T>): Promise<T> {
          // The driver may retry the work on a transient error: only the attempt that committed counts.
          let appended = () => false;
          const result = await write(async (run) => {
            const tracked = trackingAppends(ops({ tenant, run }, batchEvents));
            appended = tracked.appended;
            return work(tracked.tx);
          });
          if (appended()) for (const listener of commitListeners) listener();
          return result;
        },
      };
    },
    async purgeClaims(olderThan) {
      const [row] = await write((run) =>
        run<{ n: number }>('MATCH (e:IngestedEvent) WHERE e.at < $cutoff WITH e LIMIT 10000 DELETE e RETURN count(*) AS n', {
          cutoff: olderThan,
        }),
      );
      return row?.n ?? 0;
    },
    async purgeRuns(olderThan) {
      const [row] = await write((run) =>
        run<{ n: number }>('MATCH (r:SourceRun) WHERE r.updatedAt < $cutoff WITH r LIMIT 10000 DELETE r RETURN count(*) AS n', {
          cutoff: olderThan,
        }),
      );
      return row?.n ?? 0;
    },
    onCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    async ping() {
      await read('RETURN 1 AS ok');
    },
    async close() {
      await driver.close();
    },
  };
}
