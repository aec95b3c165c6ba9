// The classification port: types, direct assignments, blocks, and the propagation rows of each
// unit (source asset, classification).
// Adapters: store/embedded/classification.ts, store/neo4j/classification.ts.
// Contract: test/contract/store/classification.contract.ts (rows, reach) and test/contract/propagation.contract.ts (the rules).
import type { AssetClassificationState, BlockRecord, ClassificationTypeRecord, DirectAssignment } from '../../domain/model.js';
import type { ClassifiedAsset } from './assets.js';

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
  /**
   * The records and classification states, as the change leaves them, of the unit's source and
   * of the assets that appeared or disappeared (those of them that exist), when the store read
   * them on its way: the change's events then need no second read. Absent: the caller reads them.
   */
  after?: ClassifiedAsset[];
}

/** A wanted state for one asset of a propagation unit: a row (blocked or not), or none. */
export interface PropagationPatch {
  assetId: string;
  /** null removes the asset's row from the unit. */
  blocked: boolean | null;
}

export interface ClassificationReader {
  classificationTypes(names?: readonly string[]): Promise<ClassificationTypeRecord[]>;
  classificationCounts(): Promise<Map<string, { direct: number; propagated: number }>>;
  classificationStates(assetIds: readonly string[]): Promise<Map<string, AssetClassificationState>>;
}

export interface ClassificationWriter {
  putClassificationType(record: ClassificationTypeRecord): Promise<void>;
  /** Creates or updates the assignment (`propagate`, `addedBy`; `addedAt` is kept from its creation). */
  setDirect(assignment: DirectAssignment): Promise<void>;
  removeDirect(assetId: string, classification: string): Promise<boolean>;
  setBlock(block: BlockRecord): Promise<boolean>;
  removeBlock(assetId: string, classification: string): Promise<boolean>;
  /** Propagation units with a row at these assets (in effect, blocked, or either). */
  propagationKeysAt(
    assetIds: readonly string[],
    which: 'effective' | 'blocked' | 'any',
    classification?: string,
  ): Promise<PropagationKey[]>;
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
  replacePropagation(
    key: PropagationKey,
    rows: readonly { assetId: string; blocked: boolean }[],
    actor: string,
    at: string,
    maxChanges?: number,
  ): Promise<PropagationChange | null>;
  /** The unit's current rows. */
  propagationRows(key: PropagationKey): Promise<{ assetId: string; blocked: boolean }[]>;
  /** Brings the named assets of the unit to the wanted state (a slice of a replace), with the same report. */
  patchPropagation(key: PropagationKey, patch: readonly PropagationPatch[], actor: string, at: string): Promise<PropagationChange>;
}
