// The assets port: records, containment and history.
// Adapters: store/embedded/assets.ts, store/neo4j/assets.ts. Contract: test/contract/store/assets.contract.ts.
import type { AssetClassificationState, AssetKind, AssetRecord, HistoryRecord } from '../../domain/model.js';
import type { StorePage, StorePageRequest } from './paging.js';

export interface AssetQuery {
  kinds?: readonly AssetKind[];
  qualifiedNamePrefix?: string;
  parentId?: string;
  owner?: string;
  /** Direct or in-effect propagated. */
  classification?: string;
}

/** An asset with its classification state. */
export interface ClassifiedAsset {
  asset: AssetRecord;
  /** Its direct assignments, propagated rows and blocks (all empty when it has none). */
  classifications: AssetClassificationState;
}

/** One asset with what its page reads beside it. */
export interface AssetView extends ClassifiedAsset {
  parent: AssetRecord | null;
}

export type AssetRef = { id: string } | { qualifiedName: string };

export interface AssetReader {
  assetsByIds(ids: readonly string[]): Promise<AssetRecord[]>;
  assetsByQualifiedNames(qualifiedNames: readonly string[]): Promise<AssetRecord[]>;
  /**
   * The asset with its parent and its classification state, as `assetsByIds` and
   * `classificationStates` would answer them: one round trip where the store can (an asset
   * lookup is the API's most frequent read), or null.
   */
  assetView(ref: AssetRef): Promise<AssetView | null>;
  /**
   * The assets among `ids` that exist, each once, with its classification state, as
   * `assetsByIds` and `classificationStates` would answer them: one round trip where the store
   * can (a propagation chunk's events and the search documents read both for thousands of assets).
   */
  classifiedAssets(ids: readonly string[]): Promise<ClassifiedAsset[]>;
  listAssets(query: AssetQuery, page: StorePageRequest): Promise<StorePage<AssetRecord>>;
  countAssets(query: AssetQuery): Promise<number>;
  /** Names of the direct children of each parent, of the given kinds (a table's columns), sorted. */
  childNames(parentIds: readonly string[], kinds: readonly AssetKind[]): Promise<Map<string, string[]>>;
  history(assetId: string, page: StorePageRequest): Promise<StorePage<HistoryRecord>>;
}

export interface AssetWriter {
  /** Inserts or replaces whole records (the command computes versions). */
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
}
