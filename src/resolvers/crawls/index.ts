import type { QueryResolvers } from '../../generated/graphql.js';

export const Query: Pick<QueryResolvers, 'crawlRuns'> = {
  crawlRuns: (_, args, ctx) => ctx.services.crawls.runs(ctx.viewer, args.source, args.first, args.after),
};
