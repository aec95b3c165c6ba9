// Shared by the adapters: the patch that turns a propagation unit's current rows into the wanted ones.
import type { PropagationPatch } from './ports/index.js';

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
