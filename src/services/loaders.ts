// Request-scoped DataLoaders: batch the object-field lookups of one request, within one tenant.
// Built fresh for every request and every subscription operation, never shared.
import DataLoader from 'dataloader';
import type { AssetClassificationState, AssetRecord, EdgeRecord, IncidentRecord } from '../domain/model.js';
import type { TenantGraph } from '../store/ports.js';

export interface Loaders {
  asset: DataLoader<string, AssetRecord | null>;
  classifications: DataLoader<string, AssetClassificationState | undefined>;
  downstream: DataLoader<string, EdgeRecord[]>;
  upstream: DataLoader<string, EdgeRecord[]>;
  incidents: DataLoader<string, IncidentRecord[]>;
}

export function createLoaders(graph: TenantGraph): Loaders {
  return {
    asset: new DataLoader(async (ids) => {
      const byId = new Map((await graph.assetsByIds(ids)).map((a) => [a.id, a]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    classifications: new DataLoader(async (ids) => {
      const states = await graph.classificationStates(ids);
      return ids.map((id) => states.get(id));
    }),
    downstream: new DataLoader(async (ids) => {
      const edges = await graph.edgesOf(ids, 'DOWNSTREAM');
      return ids.map((id) => edges.filter((e) => e.fromId === id));
    }),
    upstream: new DataLoader(async (ids) => {
      const edges = await graph.edgesOf(ids, 'UPSTREAM');
      return ids.map((id) => edges.filter((e) => e.toId === id));
    }),
    incidents: new DataLoader(async (ids) => {
      const byAsset = await graph.incidentsByAssets(ids);
      return ids.map((id) => byAsset.get(id) ?? []);
    }),
  };
}
