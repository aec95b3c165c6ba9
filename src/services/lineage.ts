// Lineage: bounded traversal, and the writes of commands/lineage.ts for users.
import { type Viewer, requirePermission } from '../domain/auth.js';
import { badInput, notFound } from '../domain/errors.js';
import type { EdgeInput } from '../domain/commands.js';
import type { AssetRecord, EdgeRecord, LineageDirection, LineageGraphView } from '../domain/model.js';
import { write } from './commands/command.js';
import { type LineageOutcome, addLineage, removeLineage } from './commands/lineage.js';
import type { ServiceDeps } from './deps.js';

export type { EdgeInput } from '../domain/commands.js';
export type { LineageOutcome } from './commands/lineage.js';

export class LineageService {
  constructor(private readonly deps: ServiceDeps) {}

  async graph(viewer: Viewer | null, qualifiedName: string, direction: LineageDirection, depth: number): Promise<LineageGraphView> {
    const v = requirePermission(viewer, 'graph:read');
    const { maxLineageDepth, maxLineageNodes, maxLineageEdges } = this.deps.limits;
    if (!Number.isInteger(depth) || depth < 1 || depth > maxLineageDepth) throw badInput(`depth must be between 1 and ${maxLineageDepth}`);
    const directions = direction === 'BOTH' ? (['UPSTREAM', 'DOWNSTREAM'] as const) : [direction];
    const bounds = { maxNodes: maxLineageNodes, maxEdges: maxLineageEdges };
    const graph = await this.deps.store.tenant(v.tenant).lineage(qualifiedName, directions, depth, bounds);
    if (!graph) throw notFound(`Asset ${qualifiedName} not found`);
    return graph;
  }

  /** An asset's first `first` immediate edges in one direction (a client expanding a node page by page). */
  async firstEdges(viewer: Viewer | null, asset: AssetRecord, direction: 'UPSTREAM' | 'DOWNSTREAM', first: number): Promise<EdgeRecord[]> {
    const v = requirePermission(viewer, 'graph:read');
    const max = this.deps.limits.maxLineageEdges;
    if (!Number.isInteger(first) || first < 1 || first > max) throw badInput(`first must be between 1 and ${max}`);
    return this.deps.store.tenant(v.tenant).edgesOf([asset.id], direction, first);
  }

  add(viewer: Viewer | null, inputs: readonly EdgeInput[]): Promise<LineageOutcome> {
    return write(this.deps, viewer, addLineage, inputs);
  }

  remove(viewer: Viewer | null, inputs: readonly EdgeInput[]): Promise<LineageOutcome> {
    return write(this.deps, viewer, removeLineage, inputs);
  }
}
