// Breadth-first lineage traversal over an adapter's one-hop edge lookup: one query per level,
// a visited set (so cycles end it), bounded by depth, node count and edge count, with a
// truncation flag. Each level's lookup is itself limited to what the edge bound still allows
// (plus one, to tell "exactly full" from "cut"), so a dense graph (every asset of one level
// feeding every asset of the next) is never read into memory past the bound.
import type { AssetRecord, EdgeRecord, LineageGraphView } from '../domain/model.js';
import type { AssetReader, EdgeDirection, LineageReader, Traversal, TraversalBounds } from './ports/index.js';

export const edgeKey = (e: EdgeRecord): string => `${e.fromId}\u0000${e.toId}\u0000${e.processId ?? ''}`;

/** Traversals of one root (a direction each) as one answer: root first, then nodes in traversal order. */
export function lineageView(
  root: AssetRecord,
  traversals: readonly Traversal[],
  records: ReadonlyMap<string, AssetRecord>,
): LineageGraphView {
  const nodeIds = new Set<string>();
  const edges = new Map<string, EdgeRecord>();
  let truncated = false;
  for (const t of traversals) {
    t.nodeIds.forEach((id) => nodeIds.add(id));
    t.edges.forEach((e) => edges.set(edgeKey(e), e));
    truncated ||= t.truncated;
  }
  const nodes = [...nodeIds].flatMap((id) => records.get(id) ?? []);
  return { root, nodes, edges: [...edges.values()], truncated };
}

/** The lineage answer through the port's own reads: the root, one traversal per direction, the nodes. */
export async function readLineage(
  reader: Pick<AssetReader, 'assetsByQualifiedNames' | 'assetsByIds'> & Pick<LineageReader, 'traverse'>,
  qualifiedName: string,
  directions: readonly EdgeDirection[],
  maxDepth: number,
  bounds: TraversalBounds,
): Promise<LineageGraphView | null> {
  const [root] = await reader.assetsByQualifiedNames([qualifiedName]);
  if (!root) return null;
  const traversals: Traversal[] = [];
  for (const d of directions) traversals.push(await reader.traverse(root.id, d, maxDepth, bounds));
  const ids = new Set(traversals.flatMap((t) => t.nodeIds));
  const records = new Map((await reader.assetsByIds([...ids])).map((a) => [a.id, a]));
  return lineageView(root, traversals, records);
}

export async function breadthFirst(
  edgesOf: (ids: readonly string[], direction: EdgeDirection, limit: number) => Promise<EdgeRecord[]>,
  rootId: string,
  direction: EdgeDirection,
  maxDepth: number,
  { maxNodes, maxEdges }: TraversalBounds,
): Promise<Traversal> {
  const far = (e: EdgeRecord) => (direction === 'DOWNSTREAM' ? e.toId : e.fromId);
  const visited = new Set<string>([rootId]);
  const edges = new Map<string, EdgeRecord>();
  let frontier = [rootId];
  let truncated = false;
  for (let depth = 0; frontier.length > 0; depth++) {
    const room = maxEdges - edges.size;
    const next = await edgesOf(frontier, direction, room + 1);
    if (depth === maxDepth) {
      // Anything leading further out means the depth limit cut the graph (a full read may hide such an edge).
      truncated ||= next.length > room || next.some((e) => !visited.has(far(e)));
      break;
    }
    if (next.length > room) truncated = true;
    const nextFrontier: string[] = [];
    for (const e of next.slice(0, room)) {
      const id = far(e);
      if (!visited.has(id)) {
        if (visited.size >= maxNodes) {
          truncated = true;
          continue;
        }
        visited.add(id);
        nextFrontier.push(id);
      }
      edges.set(edgeKey(e), e);
    }
    if (edges.size >= maxEdges && next.length > room) break;
    frontier = nextFrontier;
  }
  return { nodeIds: [...visited], edges: [...edges.values()], truncated };
}
