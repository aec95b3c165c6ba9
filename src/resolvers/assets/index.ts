import type {
  AssetConnectionResolvers,
  AssetEventResolvers,
  AssetResolvers,
  MutationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../../generated/graphql.js';
import { loadersOf } from '../../graphql/context.js';
import { mapIterator } from '../../graphql/iterators.js';

export const Query: Pick<QueryResolvers, 'asset' | 'assets'> = {
  asset: async (_, args, ctx) => {
    const view = await ctx.services.assets.view(ctx.viewer, args);
    if (!view) return null;
    // Its parent and classifications were read with it: their loads are answered from the loaders.
    const loaders = loadersOf(ctx);
    if (view.parent) loaders.asset.prime(view.parent.id, view.parent);
    loaders.classifications.prime(view.asset.id, view.classifications);
    return view.asset;
  },
  assets: (_, args, ctx) => ctx.services.assets.list(ctx.viewer, args.filter, args.first, args.after),
};

export const Mutation: Pick<MutationResolvers, 'upsertAssets' | 'deleteAssets'> = {
  upsertAssets: async (_, args, ctx) => {
    const { results } = await ctx.services.assets.upsert(ctx.viewer, args.input);
    const count = (s: string) => results.filter((r) => r.status === s).length;
    return {
      results,
      assets: results.map((r) => r.asset),
      created: count('CREATED'),
      updated: count('UPDATED'),
      unchanged: count('UNCHANGED'),
    };
  },
  deleteAssets: (_, args, ctx) => ctx.services.assets.delete(ctx.viewer, args.qualifiedNames),
};

export const Subscription: Pick<SubscriptionResolvers, 'assetChanged'> = {
  assetChanged: {
    // subscribe only (no resolve): graphql-middleware then wraps subscribe, so shield runs at subscription time.
    subscribe: (_, args, ctx) =>
      mapIterator(ctx.services.subscriptions.assetChanged(ctx.viewer, args), (assetChanged) => ({ assetChanged })),
  },
};

export const Asset: AssetResolvers = {
  attributes: (a) => a.attributes,
  parent: (a, _, ctx) => (a.parentId ? loadersOf(ctx).asset.load(a.parentId) : null),
  children: (a, args, ctx) => ctx.services.assets.children(ctx.viewer, a, args.first, args.after),
  history: (a, args, ctx) => ctx.services.assets.history(ctx.viewer, a, args.first, args.after),
};

export const AssetConnection: AssetConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
};

export const AssetEvent: AssetEventResolvers = {
  asset: (e) => e.asset,
};
