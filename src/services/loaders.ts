// Request-scoped DataLoaders: batch the object-field lookups of one request, within one tenant.
// Built fresh for every request and every subscription operation, never shared.
import DataLoader from 'dataloader';
import { DomainError } from '../domain/errors.js';
import type { AssetClassificationState, AssetRecord, EdgeRecord, IncidentRecord } from '../domain/model.js';
import type { EdgeDirection, TenantGraph } from '../store/ports/index.js';

export interface Loaders {
  asset: DataLoader<string, AssetRecord | null>;
  classifications: DataLoader<string, AssetClassificationState | undefined>;
  downstream: DataLoader<string, EdgeRecord[]>;
  upstream: DataLoader<string, EdgeRecord[]>;
  downstreamCount: DataLoader<string, number>;
  upstreamCount: DataLoader<string, number>;
  incidents: DataLoader<string, IncidentRecord[]>;
}

/**
 * Immediate edges of each asset, at most `limit` per asset: one bounded read for the batch; if
 * the batch passes the bound, one bounded read per asset, so a small asset is answered beside a
 * huge one. An asset over the bound gets an error (pointing to `lineage`, which truncates and
 * says so), never a silently cut list.
 */
function immediateEdges(graph: () => TenantGraph, direction: EdgeDirection, limit: number) {
  const end = (e: EdgeRecord) => (direction === 'DOWNSTREAM' ? e.fromId : e.toId);
  const group = (ids: readonly string[], edges: EdgeRecord[]) => {
    const byId = new Map<string, EdgeRecord[]>(ids.map((id) => [id, []]));
    for (const e of edges) byId.get(end(e))?.push(e);
    return byId;
  };
  const tooMany = (id: string) =>
    new DomainError(
      'BAD_USER_INPUT',
      `Asset ${id} has more than ${limit} ${direction.toLowerCase()} edges: ask lineage(qualifiedName:, direction: ${direction}, depth: 1), which is bounded and says truncated`,
    );
  return async (ids: readonly string[]): Promise<(EdgeRecord[] | Error)[]> => {
    const all = await graph().edgesOf(ids, direction, limit + 1);
    if (all.length <= limit) {
      const byId = group(ids, all);
      return ids.map((id) => byId.get(id)!);
    }
    return Promise.all(
      ids.map(async (id) => {
        const edges = await graph().edgesOf([id], direction, limit + 1);
        return edges.length > limit ? tooMany(id) : edges;
      }),
    );
  };
}

/** Distinct immediate neighbours of each asset, one counting read for the batch. */
function neighbourCounts(graph: () => TenantGraph, direction: EdgeDirection) {
  return async (ids: readonly string[]): Promise<number[]> => {
    const counts = await graph().neighbourCounts(ids, direction);
    return ids.map((id) => counts.get(id) ?? 0);
  };
}

/**
 * Each loader is made on first use: an operation that never reads (an idle subscription, a
 * mutation) holds none of them, nor the tenant's graph.
 */
export function createLoaders(tenantGraph: () => TenantGraph, limits: { maxLineageEdges: number }): Loaders {
  let graph: TenantGraph | undefined;
  const g = (): TenantGraph => (graph ??= tenantGraph());
  const made: Partial<Loaders> = {};
  const once = <K extends keyof Loaders>(key: K, make: () => Loaders[K]): Loaders[K] => (made[key] ??= make());
  return {
    get asset() {
      return once(
        'asset',
        () =>
          new DataLoader(async (ids) => {
            const byId = new Map((await g().assetsByIds(ids)).map((a) => [a.id, a]));
            return ids.map((id) => byId.get(id) ?? null);
          }),
      );
    },
    get classifications() {
      return once(
        'classifications',
        () =>
          new DataLoader(async (ids) => {
            const states = await g().classificationStates(ids);
            return ids.map((id) => states.get(id));
          }),
      );
    },
    get downstream() {
      return once('downstream', () => new DataLoader(immediateEdges(g, 'DOWNSTREAM', limits.maxLineageEdges)));
    },
    get upstream() {
      return once('upstream', () => new DataLoader(immediateEdges(g, 'UPSTREAM', limits.maxLineageEdges)));
    },
    get downstreamCount() {
      return once('downstreamCount', () => new DataLoader(neighbourCounts(g, 'DOWNSTREAM')));
    },
    get upstreamCount() {
      return once('upstreamCount', () => new DataLoader(neighbourCounts(g, 'UPSTREAM')));
    },
    get incidents() {
      return once(
        'incidents',
        () =>
          new DataLoader(async (ids) => {
            const byAsset = await g().incidentsByAssets(ids);
            return ids.map((id) => byAsset.get(id) ?? []);
          }),
      );
    },
  };
}
