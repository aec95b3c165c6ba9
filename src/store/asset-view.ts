// Shared by the adapters: an asset view and classified assets (ports/assets.ts) composed from the
// ordinary reads, for a store where each read is a cheap local call (the embedded SQLite store).
import type { AssetClassificationState } from '../domain/model.js';
import type { AssetRef, AssetView, ClassifiedAsset, GraphReader } from './ports/index.js';

type Reads = Pick<GraphReader, 'assetsByIds' | 'assetsByQualifiedNames' | 'classificationStates'>;

const none = (): AssetClassificationState => ({ direct: [], propagated: [], blocks: [] });

export async function composeAssetView(reads: Reads, ref: AssetRef): Promise<AssetView | null> {
  const [asset] = 'id' in ref ? await reads.assetsByIds([ref.id]) : await reads.assetsByQualifiedNames([ref.qualifiedName]);
  if (!asset) return null;
  const [parents, states] = await Promise.all([
    asset.parentId ? reads.assetsByIds([asset.parentId]) : Promise.resolve([]),
    reads.classificationStates([asset.id]),
  ]);
  return {
    asset,
    parent: parents[0] ?? null,
    classifications: states.get(asset.id) ?? none(),
  };
}

export async function composeClassifiedAssets(reads: Reads, ids: readonly string[]): Promise<ClassifiedAsset[]> {
  const assets = await reads.assetsByIds([...new Set(ids)]);
  const states = await reads.classificationStates(assets.map((a) => a.id));
  return assets.map((asset) => ({ asset, classifications: states.get(asset.id) ?? none() }));
}
