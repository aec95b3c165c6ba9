// Shared by the adapters: the patch that turns a propagation unit's current rows into the wanted
// ones, and an asset's classification state as a patch leaves it.
import type { AssetClassificationState, PropagationRow } from '../domain/model.js';
import type { PropagationKey, PropagationPatch } from './ports/index.js';

/** Only what differs: changed or new rows, and removals (blocked: null) of rows no longer reached. */
export function replacement(
  existing: ReadonlyMap<string, boolean>,
  wanted: readonly { assetId: string; blocked: boolean }[],
): PropagationPatch[] {
  const patch: PropagationPatch[] = [];
  const keep = new Set<string>();
  for (const { assetId, blocked } of wanted) {
    keep.add(assetId);
    if (existing.get(assetId) !== blocked) patch.push({ assetId, blocked });
  }
  for (const assetId of existing.keys()) if (!keep.has(assetId)) patch.push({ assetId, blocked: null });
  return patch;
}

/** The order the stores read an asset's propagated rows in: by classification, then when added, then source. */
function byClassificationAddedSource(a: PropagationRow, b: PropagationRow): number {
  for (const k of ['classification', 'addedAt', 'sourceId'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return 0;
}

/**
 * The state with the unit's row of the asset as the patch leaves it: removed (blocked: null), or
 * written with `at` and `actor` as the adapters write new and changed rows. Ordered as read.
 */
export function patchedState(
  state: AssetClassificationState,
  { sourceId, classification }: PropagationKey,
  { assetId, blocked }: PropagationPatch,
  actor: string,
  at: string,
): AssetClassificationState {
  const others = state.propagated.filter((p) => p.classification !== classification || p.sourceId !== sourceId);
  const propagated =
    blocked === null
      ? others
      : [...others, { assetId, classification, sourceId, blocked, addedAt: at, addedBy: actor }].sort(byClassificationAddedSource);
  return { ...state, propagated };
}
