// The lineage port: edges (optionally through a process) and bounded traversal.
// Adapters: store/embedded/lineage.ts, store/neo4j/lineage.ts. Contract: test/contract/store/lineage.contract.ts.
import type { EdgeRecord, LineageGraphView } from '../../domain/model.js';

export type EdgeDirection = 'UPSTREAM' | 'DOWNSTREAM';

export interface TraversalBounds {
  maxNodes: number;
  maxEdges: number;
}

export interface Traversal {
  nodeIds: string[];
  edges: EdgeRecord[];
  truncated: boolean;
}

export interface LineageReader {
  /**
   * Immediate edges: DOWNSTREAM = edges out of the assets, UPSTREAM = edges into them, in a stable
   * order; at most `limit` of them when given (the store stops reading there).
   */
  edgesOf(assetIds: readonly string[], direction: EdgeDirection, limit?: number): Promise<EdgeRecord[]>;
  /**
   * How many distinct assets are immediately downstream (or upstream) of each asset, counted by
   * the store without reading the edges out; every asked id is in the map (0 when none).
   */
  neighbourCounts(assetIds: readonly string[], direction: EdgeDirection): Promise<Map<string, number>>;
  /** Breadth-first, bounded by depth, node count and edge count (never reads far past them), safe on cycles. */
  traverse(rootId: string, direction: EdgeDirection, maxDepth: number, bounds: TraversalBounds): Promise<Traversal>;
  /**
   * A lineage answer: the root by qualified name, `traverse` in each direction (bounds per
   * direction) and the records of every node, root first, then in traversal order; null when no
   * asset has the name. Neo4j reads it in one statement where every level fits the bounds.
   */
  lineage(
    qualifiedName: string,
    directions: readonly EdgeDirection[],
    maxDepth: number,
    bounds: TraversalBounds,
  ): Promise<LineageGraphView | null>;
}

export interface LineageWriter {
  /** Returns the edges that did not exist before, or existed with the other masking flag (now set as given). */
  addEdges(edges: readonly EdgeRecord[], actor: string, at: string): Promise<EdgeRecord[]>;
  /** The distinct assets that masking edges leave. */
  maskingEdgeStarts(): Promise<string[]>;
  /** A null processId matches an edge through any process. Returns the edges removed. */
  removeEdges(edges: readonly Omit<EdgeRecord, 'masking'>[]): Promise<EdgeRecord[]>;
  /** Edges whose from, to or process is one of the assets. */
  edgesTouching(ids: readonly string[]): Promise<EdgeRecord[]>;
}
