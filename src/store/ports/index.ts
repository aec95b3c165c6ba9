// The ports every adapter implements, one file per domain; services depend on these interfaces
// only. Each adapter (embedded SQLite, Neo4j) has one module per domain port beside the others
// (store/<adapter>/<domain>.ts), and every adapter passes one contract suite per port
// (test/contract/store/<domain>.contract.ts), so a change to one domain's storage touches its
// port file, its two adapter modules and its contract.
//
// Tenancy is structural: the only way to reach data is `store.tenant(t)`, so every query an
// adapter runs is scoped to one tenant and a forgotten authorization rule cannot leak data.
import type { AssetReader, AssetWriter } from './assets.js';
import type { ClassificationReader, ClassificationWriter } from './classification.js';
import type { CrawlReader, CrawlWriter } from './crawls.js';
import type { EventWriter, Outbox } from './events.js';
import type { IncidentReader, IncidentWriter } from './incidents.js';
import type { LineageReader, LineageWriter } from './lineage.js';
import type { PropagationJobReader, PropagationJobWriter, PropagationQueue } from './propagation-jobs.js';
import type { RunWriter } from './runs.js';

export type * from './assets.js';
export type * from './classification.js';
export type * from './crawls.js';
export type * from './events.js';
export type * from './incidents.js';
export type * from './lineage.js';
export type * from './paging.js';
export type * from './propagation-jobs.js';
export type * from './runs.js';
export type * from './search.js';

/** What a tenant's reads can reach, inside a transaction or from the last committed state. */
export interface GraphReader extends AssetReader, LineageReader, ClassificationReader, IncidentReader, PropagationJobReader, CrawlReader {
  /** The tenant every read and write is confined to. */
  readonly tenant: string;
}

/**
 * One atomic unit of work in one tenant: reads see the transaction's own writes. Only commands
 * (services/commands/) call its writers, after checking their actor (enforced by the lint gate).
 */
export interface GraphTx
  extends
    GraphReader,
    AssetWriter,
    LineageWriter,
    ClassificationWriter,
    IncidentWriter,
    PropagationJobWriter,
    RunWriter,
    CrawlWriter,
    EventWriter {}

export interface TenantGraph extends GraphReader {
  transaction<T>(work: (tx: GraphTx) => Promise<T>): Promise<T>;
}

export interface GraphStore {
  readonly kind: string;
  tenant(tenant: string): TenantGraph;
  readonly outbox: Outbox;
  readonly propagationQueue: PropagationQueue;
  /** Forgets applied inbound event ids recorded before `olderThan` (redelivery window). */
  purgeClaims(olderThan: string): Promise<number>;
  /** Forgets runs not reported since `olderThan` (a late event of a forgotten run starts it over). */
  purgeRuns(olderThan: string): Promise<number>;
  /** Called after every commit that appended events. */
  onCommit(listener: () => void): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
