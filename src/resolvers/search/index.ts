import type { QueryResolvers } from '../../generated/graphql.js';

export const Query: Pick<QueryResolvers, 'search'> = {
  search: (_, args, ctx) => ctx.services.search.search(ctx.viewer, args.query, args.filter, args.first, args.after),
};
