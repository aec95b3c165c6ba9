import type {
  AssetResolvers,
  IncidentConnectionResolvers,
  IncidentEventResolvers,
  IncidentResolvers,
  MutationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../../generated/graphql.js';
import { loadPresent, loadersOf } from '../../graphql/context.js';
import { mapIterator } from '../../graphql/iterators.js';

export const Query: Pick<QueryResolvers, 'incidents'> = {
  incidents: (_, args, ctx) => ctx.services.incidents.list(ctx.viewer, args.filter, args.first, args.after),
};

export const Mutation: Pick<MutationResolvers, 'reportIncident' | 'updateIncidentStatus'> = {
  reportIncident: (_, args, ctx) => ctx.services.incidents.report(ctx.viewer, args.input),
  updateIncidentStatus: (_, args, ctx) => ctx.services.incidents.updateStatus(ctx.viewer, args.id, args.status),
};

export const Subscription: Pick<SubscriptionResolvers, 'incidentChanged'> = {
  incidentChanged: {
    subscribe: (_, args, ctx) =>
      mapIterator(ctx.services.subscriptions.incidentChanged(ctx.viewer, args), (incidentChanged) => ({ incidentChanged })),
  },
};

export const Incident: IncidentResolvers = {
  assets: (i, _, ctx) => loadPresent(ctx, i.assetIds),
};

export const IncidentConnection: IncidentConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
};

export const IncidentEvent: IncidentEventResolvers = {
  incident: (e) => e.incident,
};

export const Asset: Pick<AssetResolvers, 'incidents'> = {
  incidents: async (a, args, ctx) => {
    const all = await loadersOf(ctx).incidents.load(a.id);
    return args.statuses?.length ? all.filter((i) => args.statuses!.includes(i.status)) : all;
  },
};
