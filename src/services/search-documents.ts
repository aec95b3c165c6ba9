// Search documents are built from the graph store, never patched: whatever changed about an
// asset (its record, its columns, a classification arriving by propagation, an incident), the
// indexer reads the asset again and replaces its document.
import type { AssetClassificationState, AssetRecord } from '../domain/model.js';
import type { GraphReader, SearchDocument } from '../store/ports/index.js';
import { databaseOf, platformOf } from '../domain/validation.js';

const UNRESOLVED = ['OPEN', 'ACKNOWLEDGED'] as const;

/** Documents of the assets that exist, and the ids that no longer do; `builtAt` is taken before reading. */
export async function buildSearchDocuments(
  graph: GraphReader,
  ids: readonly string[],
): Promise<{ docs: SearchDocument[]; missing: string[]; builtAt: number }> {
  const builtAt = Date.now();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { docs: [], missing: [], builtAt };
  const found = await graph.classifiedAssets(unique);
  const states = new Map(found.map((c) => [c.asset.id, c.classifications]));
  const docs = await documentsOf(
    graph,
    found.map((c) => c.asset),
    builtAt,
    states,
  );
  return { docs, missing: unique.filter((id) => !states.has(id)), builtAt };
}

/**
 * Documents of already loaded records (a reindex scan pages through the assets), with their
 * classification states when they were read with them.
 */
export async function documentsOf(
  graph: GraphReader,
  assets: readonly AssetRecord[],
  builtAt: number,
  known?: ReadonlyMap<string, AssetClassificationState>,
): Promise<SearchDocument[]> {
  const ids = assets.map((a) => a.id);
  const [states, columns, incidents] = await Promise.all([
    known ?? graph.classificationStates(ids),
    graph.childNames(ids, ['COLUMN']),
    graph.incidentsByAssets(ids, UNRESOLVED),
  ]);
  return assets.map((a) => {
    const state = states.get(a.id);
    const direct = state?.direct.map((d) => d.classification) ?? [];
    const propagated = state?.propagated.filter((p) => !p.blocked).map((p) => p.classification) ?? [];
    const tags = Array.isArray(a.attributes.tags) ? a.attributes.tags.filter((t): t is string => typeof t === 'string') : [];
    return {
      id: a.id,
      qualifiedName: a.qualifiedName,
      name: a.name,
      kind: a.kind,
      description: a.description,
      owners: a.owners,
      tags,
      columns: columns.get(a.id) ?? [],
      classifications: [...new Set(direct)].sort(),
      effectiveClassifications: [...new Set([...direct, ...propagated])].sort(),
      platform: platformOf(a.qualifiedName),
      database: databaseOf(a.qualifiedName),
      hasOpenIncident: (incidents.get(a.id)?.length ?? 0) > 0,
      updatedAt: a.updatedAt,
      builtAt,
    };
  });
}
