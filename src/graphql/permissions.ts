// The outer gate (graphql-shield): authenticated, role, deny by default. Services check the same
// permissions again, so a rule forgotten here fails closed there.
import { GraphQLError, type GraphQLSchema, isObjectType } from 'graphql';
import { type IRules, allow, rule, shield } from 'graphql-shield';
import { type Permission, can } from '../domain/auth.js';
import type { GraphQLContext } from './context.js';

const unauthenticated = () => new GraphQLError('Authentication required: send a bearer token', { extensions: { code: 'UNAUTHENTICATED' } });
const forbidden = (p: Permission) => new GraphQLError(`Your roles do not allow ${p}`, { extensions: { code: 'FORBIDDEN' } });

const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: GraphQLContext) => (ctx.viewer ? true : unauthenticated()));
// One rule instance per permission: shield identifies rules by name.
const permissionRules = new Map<Permission, ReturnType<ReturnType<typeof rule>>>();
const requires = (p: Permission) => {
  let r = permissionRules.get(p);
  if (!r) {
    r = rule(`requires:${p}`, { cache: 'contextual' })((_parent, _args, ctx: GraphQLContext) => (!ctx.viewer ? unauthenticated() : can(ctx.viewer, p) ? true : forbidden(p)));
    permissionRules.set(p, r);
  }
  return r;
};

const read = requires('graph:read');

const ROOT_RULES = {
  Query: {
    me: isAuthenticated,
    asset: read,
    assets: read,
    lineage: read,
    search: read,
    classificationTypes: read,
    propagationJob: read,
    incidents: read,
  },
  Mutation: {
    upsertAssets: requires('asset:write'),
    deleteAssets: requires('asset:write'),
    addLineage: requires('lineage:write'),
    removeLineage: requires('lineage:write'),
    defineClassification: requires('classification:write'),
    classify: requires('classification:write'),
    declassify: requires('classification:write'),
    blockPropagation: requires('classification:write'),
    unblockPropagation: requires('classification:write'),
    reportIncident: requires('incident:write'),
    updateIncidentStatus: requires('incident:write'),
  },
  Subscription: {
    classificationChanged: read,
    assetChanged: read,
    incidentChanged: read,
  },
};

/** Root fields need a rule above (a new one is denied until it gets one); object types below them are open. */
export function permissions(schema: GraphQLSchema) {
  const rules: Record<string, unknown> = { ...ROOT_RULES };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && !type.name.startsWith('__') && !(type.name in ROOT_RULES)) rules[type.name] = allow;
  }
  return shield(rules as IRules, {
    fallbackRule: rule('deny-by-default')(() => forbiddenDefault()),
    allowExternalErrors: true,
    debug: false,
  });
}

const forbiddenDefault = () => new GraphQLError('This field has no access rule and is denied', { extensions: { code: 'FORBIDDEN' } });
