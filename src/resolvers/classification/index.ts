import type {
  AssetResolvers,
  ClassificationAssignmentResolvers,
  ClassificationTypeResolvers,
  ClassificationEventResolvers,
  ClassifyPayloadResolvers,
  MutationResolvers,
  PropagationJobResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../../generated/graphql.js';
import { loadPresent, loadersOf } from '../../graphql/context.js';
import { assignmentViews } from '../../services/classification.js';
import { mapIterator } from '../../graphql/iterators.js';

export const Query: Pick<QueryResolvers, 'classificationTypes' | 'propagationJob'> = {
  classificationTypes: (_, __, ctx) => ctx.services.classification.types(ctx.viewer),
  propagationJob: (_, args, ctx) => ctx.services.propagationJobs.job(ctx.viewer, args.id),
};

export const Mutation: Pick<
  MutationResolvers,
  'defineClassification' | 'classify' | 'declassify' | 'blockPropagation' | 'unblockPropagation'
> = {
  defineClassification: (_, args, ctx) => ctx.services.classification.define(ctx.viewer, args.input),
  classify: (_, args, ctx) => ctx.services.classification.classify(ctx.viewer, args.qualifiedName, args.classification, args.propagate),
  declassify: (_, args, ctx) => ctx.services.classification.declassify(ctx.viewer, args.qualifiedName, args.classification),
  blockPropagation: (_, args, ctx) => ctx.services.classification.block(ctx.viewer, args.qualifiedName, args.classification),
  unblockPropagation: (_, args, ctx) => ctx.services.classification.unblock(ctx.viewer, args.qualifiedName, args.classification),
};

export const Subscription: Pick<SubscriptionResolvers, 'classificationChanged'> = {
  classificationChanged: {
    subscribe: (_, args, ctx) =>
      mapIterator(ctx.services.subscriptions.classificationChanged(ctx.viewer, args), (classificationChanged) => ({
        classificationChanged,
      })),
  },
};

export const Asset: Pick<AssetResolvers, 'classifications'> = {
  classifications: async (a, args, ctx) => assignmentViews(await loadersOf(ctx).classifications.load(a.id), args.includeBlocked ?? false),
};

export const ClassificationType: ClassificationTypeResolvers = {
  // Reached only by an authenticated viewer (the query needs graph:read).
  id: (t, _, ctx) => `${ctx.viewer?.tenant ?? ''}/${t.name}`,
};

export const ClassificationAssignment: ClassificationAssignmentResolvers = {
  sources: (view, _, ctx) => loadPresent(ctx, view.sourceIds),
};

export const ClassificationEvent: ClassificationEventResolvers = {
  asset: (e) => e.asset,
  source: (e) => e.source,
};

export const ClassifyPayload: ClassifyPayloadResolvers = {
  asset: (p) => p.asset,
  propagations: (p) => p.jobs,
};

export const PropagationJob: PropagationJobResolvers = {
  source: async (job, _, ctx) => (await loadPresent(ctx, [job.sourceId]))[0] ?? null,
};
