import type {
  AssetResolvers,
  LineageEdgeResolvers,
  LineageGraphResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../../generated/graphql.js';
import { loadersOf } from '../../graphql/context.js';
import type { AssetRecord } from '../../domain/model.js';

const present = (a: AssetRecord | null): AssetRecord => {
  // Edges are read in one snapshot with their assets; a concurrent delete can still win the race.
  if (!a) throw new Error('lineage edge refers to an asset that no longer exists');
  return a;
};

export const Query: Pick<QueryResolvers, 'lineage'> = {
  lineage: async (_, args, ctx) => {
    const graph = await ctx.services.lineage.graph(ctx.viewer, args.qualifiedName, args.direction, args.depth);
    // The edges' ends are among the nodes just read: their loads are answered from the loader.
    const { asset } = loadersOf(ctx);
    for (const node of graph.nodes) asset.prime(node.id, node);
    return graph;
  },
};

export const Mutation: Pick<MutationResolvers, 'addLineage' | 'removeLineage'> = {
  addLineage: (_, args, ctx) => ctx.services.lineage.add(ctx.viewer, args.edges),
  removeLineage: (_, args, ctx) => ctx.services.lineage.remove(ctx.viewer, args.edges),
};

export const LineageGraph: LineageGraphResolvers = {
  root: (g) => g.root,
  nodes: (g) => g.nodes,
  edges: (g) => g.edges,
};

export const LineageEdge: LineageEdgeResolvers = {
  from: async (e, _, ctx) => present(await loadersOf(ctx).asset.load(e.fromId)),
  to: async (e, _, ctx) => present(await loadersOf(ctx).asset.load(e.toId)),
  process: (e, _, ctx) => (e.processId ? loadersOf(ctx).asset.load(e.processId) : null),
};

export const Asset: Pick<AssetResolvers, 'downstream' | 'upstream' | 'downstreamCount' | 'upstreamCount'> = {
  downstream: (a, args, ctx) =>
    args.first === null || args.first === undefined
      ? loadersOf(ctx).downstream.load(a.id)
      : ctx.services.lineage.firstEdges(ctx.viewer, a, 'DOWNSTREAM', args.first),
  upstream: (a, args, ctx) =>
    args.first === null || args.first === undefined
      ? loadersOf(ctx).upstream.load(a.id)
      : ctx.services.lineage.firstEdges(ctx.viewer, a, 'UPSTREAM', args.first),
  downstreamCount: (a, _, ctx) => loadersOf(ctx).downstreamCount.load(a.id),
  upstreamCount: (a, _, ctx) => loadersOf(ctx).upstreamCount.load(a.id),
};
