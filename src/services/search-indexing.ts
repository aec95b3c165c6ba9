// Keeping the search index in step with the graph: which documents a batch of change events
// touches, rebuilt from the graph store and written (or removed) in one bulk per tenant.
import type { ChangeEvent } from '../domain/events.js';
import type { GraphStore, SearchIndex } from '../store/ports/index.js';
import { buildSearchDocuments } from './search-documents.js';

/** Asset ids whose document must be rebuilt, per tenant. */
export function touchedAssets(events: readonly ChangeEvent[]): Map<string, Set<string>> {
  const touched = new Map<string, Set<string>>();
  const add = (tenant: string, id: string | null | undefined) => {
    if (!id) return;
    const ids = touched.get(tenant) ?? touched.set(tenant, new Set()).get(tenant)!;
    ids.add(id);
  };
  for (const e of events) {
    switch (e.type) {
      case 'asset.changed':
        add(e.tenant, e.asset.id);
        // A table's document lists its columns.
        if (e.asset.kind === 'COLUMN') add(e.tenant, e.asset.parentId);
        break;
      case 'classification.changed':
        add(e.tenant, e.asset.id);
        break;
      case 'incident.changed':
        for (const id of e.incident.assetIds) add(e.tenant, id);
        break;
      case 'lineage.changed':
        break;
    }
  }
  return touched;
}

export class SearchIndexing {
  constructor(
    private readonly store: GraphStore,
    private readonly index: SearchIndex,
  ) {}

  /** Rebuilds the documents the events touch; returns how many were written or removed. */
  async apply(events: readonly ChangeEvent[]): Promise<number> {
    let count = 0;
    for (const [tenant, ids] of touchedAssets(events)) {
      const { docs, missing, builtAt } = await buildSearchDocuments(this.store.tenant(tenant), [...ids]);
      await this.index.upsert(tenant, docs);
      await this.index.remove(tenant, missing, builtAt);
      count += docs.length + missing.length;
    }
    return count;
  }
}
