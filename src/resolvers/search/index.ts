import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { QueryResolvers } from '../../generated/graphql.js';

/** Whether the query reads `path` under this field (fragment spreads count as yes: they are not expanded here). */
function selects(selectionSet: SelectionSetNode | undefined, path: readonly string[]): boolean {
  if (!selectionSet || path.length === 0) return true;
  return selectionSet.selections.some((s) => {
    if (s.kind === Kind.FRAGMENT_SPREAD) return true;
    if (s.kind === Kind.INLINE_FRAGMENT) return selects(s.selectionSet, path);
    return s.name.value === path[0] && selects(s.selectionSet, path.slice(1));
  });
}

const wants = (info: GraphQLResolveInfo, path: readonly string[]) => info.fieldNodes.some((f: FieldNode) => selects(f.selectionSet, path));

export const Query: Pick<QueryResolvers, 'search'> = {
  search: (_, args, ctx, info) =>
    ctx.services.search.search(ctx.viewer, args.query, args.filter, args.first, args.after, {
      facets: wants(info, ['facets']),
      highlights: wants(info, ['hits', 'highlights']),
    }),
};
