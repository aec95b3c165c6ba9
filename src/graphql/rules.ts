// The outer gate's rules (graphql-shield): authenticated, or holding a permission. Each domain
// declares which root field needs which, beside its resolvers (src/resolvers/<domain>/permissions.ts);
// services check the same permissions again, so a rule forgotten there fails closed in them.
import { GraphQLError } from 'graphql';
import { rule } from 'graphql-shield';
import type { MutationResolvers, QueryResolvers, SubscriptionResolvers } from '../generated/graphql.js';
import { type Permission, can } from '../domain/auth.js';
import type { GraphQLContext } from './context.js';

export type Rule = ReturnType<ReturnType<typeof rule>>;

/** One domain's rules for the root fields it serves; the schema builder merges them. */
export interface DomainRules {
  Query?: Partial<Record<keyof QueryResolvers, Rule>>;
  Mutation?: Partial<Record<keyof MutationResolvers, Rule>>;
  Subscription?: Partial<Record<keyof SubscriptionResolvers, Rule>>;
}

const unauthenticated = () => new GraphQLError('Authentication required: send a bearer token', { extensions: { code: 'UNAUTHENTICATED' } });
const forbidden = (p: Permission) => new GraphQLError(`Your roles do not allow ${p}`, { extensions: { code: 'FORBIDDEN' } });

export const isAuthenticated: Rule = rule({ cache: 'contextual' })((_parent, _args, ctx: GraphQLContext) =>
  ctx.viewer ? true : unauthenticated(),
);

// One rule instance per permission: shield identifies rules by name.
const permissionRules = new Map<Permission, Rule>();
export function requires(p: Permission): Rule {
  let r = permissionRules.get(p);
  if (!r) {
    r = rule(`requires:${p}`, { cache: 'contextual' })((_parent, _args, ctx: GraphQLContext) =>
      !ctx.viewer ? unauthenticated() : can(ctx.viewer, p) ? true : forbidden(p),
    );
    permissionRules.set(p, r);
  }
  return r;
}

export const read: Rule = requires('graph:read');
