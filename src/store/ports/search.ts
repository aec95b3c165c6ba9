// The search port: the full-text index of assets (Elasticsearch, or SQLite FTS5 when embedded).
// Adapters: store/elasticsearch/index.ts, store/embedded/search-index.ts. Contract: test/contract/search-index.contract.ts.
import type { AssetKind } from '../../domain/model.js';

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
