// The ports every adapter implements. Services depend on these interfaces only; adapters
// (embedded SQLite now, Neo4j next) pass one shared contract suite (test/contract/).
//
// Tenancy is structural: the only way to reach data is `store.tenant(t)`, so every query an
// adapter runs is scoped to one tenant and a forgotten authorization rule cannot leak data.
import type { ChangeEvent } from '../domain/events.js';
import type { RunRecord } from '../domain/runs.js';
import type {
  AssetClassificationState,
  AssetKind,
  AssetRecord,
  BlockRecord,
  ClassificationTypeRecord,
  DirectAssignment,
  EdgeRecord,
  HistoryRecord,
  IncidentRecord,
  IncidentSeverity,
  IncidentStatus,
  IncidentType,
  PropagationJobRecord,
} from '../domain/model.js';

/** A page of results; each cursor is the adapter's own opaque keyset position. */
export interface StorePage<T> {
  items: { node: T; cursor: string }[];
  hasNextPage: boolean;
}

export interface StorePageRequest {
  first: number;
  after: string | null;
}

export interface AssetQuery {
  kinds?: readonly AssetKind[];
  qualifiedNamePrefix?: string;
  parentId?: string;
  owner?: string;
  /** Direct or in-effect propagated. */
  classification?: string;
}

export interface IncidentQuery {
  statuses?: readonly IncidentStatus[];
  severities?: readonly IncidentSeverity[];
  types?: readonly IncidentType[];
  assetId?: string;
}

export interface TraversalBounds {
  maxNodes: number;
  maxEdges: number;
}

export interface Traversal {
  nodeIds: string[];
  edges: EdgeRecord[];
  truncated: boolean;
}

export type EdgeDirection = 'UPSTREAM' | 'DOWNSTREAM';

/** (source asset, classification): the unit of propagation that is recomputed. */
export interface PropagationKey {
  sourceId: string;
  classification: string;
}

export interface PropagationChange {
  /** Assets whose in-effect propagated assignment of the classification appeared. */
  appeared: string[];
  /** Assets whose in-effect propagated assignment of the classification disappeared. */
  disappeared: string[];
}

export interface GraphReader {
  assetsByIds(ids: readonly string[]): Promise<AssetRecord[]>;
  assetsByQualifiedNames(qualifiedNames: readonly string[]): Promise<AssetRecord[]>;
  listAssets(query: AssetQuery, page: StorePageRequest): Promise<StorePage<AssetRecord>>;
  countAssets(query: AssetQuery): Promise<number>;
  /** Names of the direct children of each parent, of the given kinds (a table's columns), sorted. */
  childNames(parentIds: readonly string[], kinds: readonly AssetKind[]): Promise<Map<string, string[]>>;
  history(assetId: string, page: StorePageRequest): Promise<StorePage<HistoryRecord>>;
  /**
   * Immediate edges: DOWNSTREAM = edges out of the assets, UPSTREAM = edges into them, in a stable
   * order; at most `limit` of them when given (the store stops reading there).
   */
  edgesOf(assetIds: readonly string[], direction: EdgeDirection, limit?: number): Promise<EdgeRecord[]>;
  /** Breadth-first, bounded by depth, node count and edge count (never reads far past them), safe on cycles. */
  traverse(rootId: string, direction: EdgeDirection, maxDepth: number, bounds: TraversalBounds): Promise<Traversal>;
  classificationTypes(names?: readonly string[]): Promise<ClassificationTypeRecord[]>;
  classificationCounts(): Promise<Map<string, { direct: number; propagated: number }>>;
  classificationStates(assetIds: readonly string[]): Promise<Map<string, AssetClassificationState>>;
  incidentsByIds(ids: readonly string[]): Promise<IncidentRecord[]>;
  incidentByExternalId(source: string, externalId: string): Promise<IncidentRecord | null>;
  listIncidents(query: IncidentQuery, page: StorePageRequest): Promise<StorePage<IncidentRecord>>;
  countIncidents(query: IncidentQuery): Promise<number>;
  incidentsByAssets(assetIds: readonly string[], statuses?: readonly IncidentStatus[]): Promise<Map<string, IncidentRecord[]>>;
  propagationJobs(ids: readonly string[]): Promise<PropagationJobRecord[]>;
}

/** A wanted state for one asset of a propagation unit: a row (blocked or not), or none. */
export interface PropagationPatch {
  assetId: string;
  /** null removes the asset's row from the unit. */
  blocked: boolean | null;
}

/** One atomic unit of work in one tenant: reads see the transaction's own writes. */
export interface GraphTx extends GraphReader {
  /** Inserts or replaces whole records (the service computes versions). */
  writeAssets(records: readonly AssetRecord[]): Promise<void>;
  /**
   * Removes assets with their edges, assignments, blocks, the propagation rows at them and incident
   * links. Rows they are the source of are left to the caller, which withdraws them with events
   * (possibly in the background, for a large unit).
   */
  deleteAssets(ids: readonly string[]): Promise<void>;
  /** All containment descendants of the given assets (not including them). */
  descendants(ids: readonly string[]): Promise<string[]>;
  appendHistory(entries: readonly HistoryRecord[]): Promise<void>;
  /** Returns the edges that did not exist before. */
  addEdges(edges: readonly EdgeRecord[], actor: string, at: string): Promise<EdgeRecord[]>;
  /** A null processId matches an edge through any process. Returns the edges removed. */
  removeEdges(edges: readonly EdgeRecord[]): Promise<EdgeRecord[]>;
  /** Edges whose from, to or process is one of the assets. */
  edgesTouching(ids: readonly string[]): Promise<EdgeRecord[]>;
  putClassificationType(record: ClassificationTypeRecord): Promise<void>;
  setDirect(assignment: DirectAssignment): Promise<void>;
  removeDirect(assetId: string, classification: string): Promise<boolean>;
  setBlock(block: BlockRecord): Promise<boolean>;
  removeBlock(assetId: string, classification: string): Promise<boolean>;
  /** Propagation units with a row at these assets (in effect, blocked, or either). */
  propagationKeysAt(assetIds: readonly string[], which: 'effective' | 'blocked' | 'any', classification?: string): Promise<PropagationKey[]>;
  /** Direct assignments with propagate=true on these assets, as propagation units. */
  propagatingDirectAt(assetIds: readonly string[]): Promise<PropagationKey[]>;
  /**
   * Everything downstream of the source for this classification, stopping at (and marking)
   * blocked assets. With a limit, stops once more than `limit` assets are reached.
   */
  reach(key: PropagationKey, limit?: number): Promise<{ assetId: string; blocked: boolean }[]>;
  /**
   * Makes the unit's rows exactly `rows`; reports in-effect assignments that appeared or
   * disappeared. With `maxChanges`, writes nothing and answers null when more rows would change.
   */
  replacePropagation(key: PropagationKey, rows: readonly { assetId: string; blocked: boolean }[], actor: string, at: string, maxChanges?: number): Promise<PropagationChange | null>;
  /** The unit's current rows. */
  propagationRows(key: PropagationKey): Promise<{ assetId: string; blocked: boolean }[]>;
  /** Brings the named assets of the unit to the wanted state (a slice of a replace), with the same report. */
  patchPropagation(key: PropagationKey, patch: readonly PropagationPatch[], actor: string, at: string): Promise<PropagationChange>;
  /** The unit's background job, finished or not. */
  propagationJobFor(key: PropagationKey): Promise<PropagationJobRecord | null>;
  /** Creates the unit's job, or restarts it: PENDING, next generation, progress reset. */
  enqueuePropagation(key: PropagationKey, id: string, actor: string, at: string): Promise<PropagationJobRecord>;
  /**
   * Records a run's progress. Takes the job's write lock first, so the generation it returns is
   * current: a run that finds it moved must roll back and start over.
   */
  progressPropagationJob(id: string, progress: { applied: number; total: number | null; done: boolean }, at: string): Promise<PropagationJobRecord | null>;
  putIncident(record: IncidentRecord): Promise<void>;
  /** Transactional outbox: committed together with the change they describe. */
  appendEvents(events: readonly ChangeEvent[]): Promise<void>;
  /**
   * Idempotent ingestion: records these inbound event ids as applied, in this transaction, and
   * returns the ones that were already recorded (redeliveries to skip).
   */
  claimEvents(eventIds: readonly string[], at: string): Promise<string[]>;
  /**
   * A source's run (domain/runs.ts), read under the run's write lock, so two events of one run
   * apply one after the other whatever the number of workers; null for a run not seen yet.
   */
  lockRun(key: string): Promise<RunRecord | null>;
  putRun(record: RunRecord): Promise<void>;
}

export interface TenantGraph extends GraphReader {
  readonly tenant: string;
  transaction<T>(work: (tx: GraphTx) => Promise<T>): Promise<T>;
}

export interface OutboxEntry {
  seq: number;
  event: ChangeEvent;
}

/** Infrastructure view of the outbox for the relay worker (all tenants). */
export interface Outbox {
  pending(limit: number): Promise<OutboxEntry[]>;
  /** Committed events after `seq`, published or not, in commit order (readers that keep their own position). */
  since(seq: number, limit: number): Promise<OutboxEntry[]>;
  markPublished(seqs: readonly number[]): Promise<void>;
  purgePublished(olderThan: string): Promise<number>;
  /**
   * One relay publishes at a time, so events leave in commit order whatever the number of
   * replicas: acquires or renews the lease for `owner`; false while another owner holds it.
   */
  lease(owner: string, ttlMs: number): Promise<boolean>;
}

/** A job leased to one worker; the lease is renewed by claiming again. */
export interface ClaimedPropagationJob {
  tenant: string;
  job: PropagationJobRecord;
}

/** Infrastructure view of the propagation jobs for the workers (all tenants). */
export interface PropagationQueue {
  /** Leases the oldest unfinished job that no other live worker holds (or renews `jobId`'s lease). */
  claim(owner: string, leaseMs: number, jobId?: string): Promise<ClaimedPropagationJob | null>;
  release(owner: string, jobId: string): Promise<void>;
  purgeFinished(olderThan: string): Promise<number>;
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

/** The change feed every API replica listens to (in-process when embedded, Kafka when distributed). */
export interface ChangeFeed {
  readonly kind: string;
  publish(events: readonly ChangeEvent[]): Promise<void>;
  listen(tenant: string, listener: (event: ChangeEvent) => void): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the search index holds of one asset: built from the graph store, never edited in place. */
export interface SearchDocument {
  id: string;
  qualifiedName: string;
  name: string;
  kind: AssetKind;
  description: string | null;
  owners: string[];
  /** `attributes.tags`, when it is a list of strings. */
  tags: string[];
  /** Names of the columns it contains (a table is found by its columns). */
  columns: string[];
  /** Direct assignments. */
  classifications: string[];
  /** Direct and in-effect propagated assignments. */
  effectiveClassifications: string[];
  /** `snowflake` of `snowflake://acme/analytics.marts.orders`. */
  platform: string;
  /** `snowflake://acme/analytics`. */
  database: string;
  hasOpenIncident: boolean;
  updatedAt: string;
  /**
   * When the document was read from the graph store (ms since the epoch): a write only replaces
   * an older reading, so a slow writer (a rebuild's scan) never overwrites a fresher document.
   */
  builtAt: number;
}

export interface IndexQuery {
  text: string;
  kinds?: readonly AssetKind[];
  classifications?: readonly string[];
  /** Match `classifications` on direct assignments only, or on direct and propagated ones. */
  classificationScope?: 'DIRECT' | 'EFFECTIVE';
  owners?: readonly string[];
  qualifiedNamePrefix?: string;
  hasOpenIncident?: boolean;
  first: number;
  /** An `endCursor` of a previous page of the same query. */
  after: string | null;
  /** Whether to compute facets and highlights (both by default); a caller that shows neither saves the work. */
  facets?: boolean;
  highlights?: boolean;
}

export interface IndexHit {
  id: string;
  score: number;
  highlights: { field: string; fragments: string[] }[];
}

export interface IndexPage {
  total: number;
  hits: IndexHit[];
  /** Counts over everything the query matches: kind, classification (effective), owner, database. */
  facets: { field: string; buckets: { value: string; count: number }[] }[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A tenant's index being rebuilt beside the live one; searches see the live one until commit. */
export interface IndexRebuild {
  add(docs: readonly SearchDocument[]): Promise<void>;
  /** Makes the rebuilt index the live one, atomically, and drops the old one. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * The full-text index of assets (Elasticsearch, or SQLite FTS5 when embedded). Every call names
 * its tenant and the adapter confines it there; writes made while a rebuild runs reach the
 * rebuild too, so nothing written during a reindex is lost at the switch.
 */
export interface SearchIndex {
  readonly kind: string;
  upsert(tenant: string, docs: readonly SearchDocument[]): Promise<void>;
  /** `at`: when the deletion was read from the graph store (as `builtAt`). */
  remove(tenant: string, ids: readonly string[], at: number): Promise<void>;
  search(tenant: string, query: IndexQuery): Promise<IndexPage>;
  rebuild(tenant: string): Promise<IndexRebuild>;
  /** The position an indexer reached in a change stream (`name`), kept with the index it fed. */
  checkpoint(name: string): Promise<number | null>;
  saveCheckpoint(name: string, position: number): Promise<void>;
  /** Makes what was written visible to searches (tests; Elasticsearch refreshes every second anyway). */
  refresh(tenant: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
