// Rebuilding a tenant's search index from the graph store, with zero downtime: the index builds
// a new generation beside the live one (Elasticsearch: a new index behind the write alias), the
// scan pages through every asset, and the commit switches searches over in one step. Changes
// indexed while the scan runs reach the new generation too, and a document is only replaced by a
// newer reading, so nothing changed during the rebuild is lost at the switch.
import type { GraphStore, SearchIndex } from '../store/ports/index.js';
import { documentsOf } from './search-documents.js';

export interface ReindexProgress {
  done: number;
  total: number;
}

export async function reindexTenant(
  store: GraphStore,
  index: SearchIndex,
  tenant: string,
  onProgress?: (p: ReindexProgress) => void | Promise<void>,
  pageSize = 1000,
): Promise<ReindexProgress> {
  const graph = store.tenant(tenant);
  const total = await graph.countAssets({});
  const rebuild = await index.rebuild(tenant);
  let done = 0;
  try {
    let after: string | null = null;
    for (;;) {
      const builtAt = Date.now();
      const page = await graph.listAssets({}, { first: pageSize, after });
      const assets = page.items.map((i) => i.node);
      await rebuild.add(await documentsOf(graph, assets, builtAt));
      done += assets.length;
      await onProgress?.({ done, total: Math.max(total, done) });
      if (!page.hasNextPage) break;
      after = page.items[page.items.length - 1]!.cursor;
    }
    await rebuild.commit();
  } catch (error) {
    await rebuild.abort().catch(() => undefined);
    throw error;
  }
  return { done, total: Math.max(total, done) };
}
