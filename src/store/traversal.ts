// Breadth-first lineage traversal over an adapter's one-hop edge lookup: one query per level,
// a visited set (so cycles end it), bounded by depth and node count, with a truncation flag.
import type { EdgeRecord } from '../domain/model.js';
import type { EdgeDirection, Traversal } from './ports.js';

export async function breadthFirst(
  edgesOf: (ids: readonly string[], direction: EdgeDirection) => Promise<EdgeRecord[]>,
  rootId: string, direction: EdgeDirection, maxDepth: number, maxNodes: number,
): Promise<Traversal> {
  const far = (e: EdgeRecord) => (direction === 'DOWNSTREAM' ? e.toId : e.fromId);
  const visited = new Set<string>([rootId]);
  const edges = new Map<string, EdgeRecord>();
  let frontier = [rootId];
  let truncated = false;
  for (let depth = 0; frontier.length > 0; depth++) {
    const next = await edgesOf(frontier, direction);
    if (depth === maxDepth) {
      // Anything leading further out means the depth limit cut the graph.
      truncated ||= next.some((e) => !visited.has(far(e)));
      break;
    }
    const nextFrontier: string[] = [];
    for (const e of next) {
      const id = far(e);
      if (!visited.has(id)) {
        if (visited.size >= maxNodes) {
          truncated = true;
          continue;
        }
        visited.add(id);
        nextFrontier.push(id);
      }
      edges.set(`${e.fromId}\u0000${e.toId}\u0000${e.processId ?? ''}`, e);
    }
    frontier = nextFrontier;
  }
  return { nodeIds: [...visited], edges: [...edges.values()], truncated };
}
