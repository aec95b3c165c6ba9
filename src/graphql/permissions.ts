// The outer gate (graphql-shield): the domains' rules for root fields (src/resolvers/<domain>/
// permissions.ts), merged; deny by default. Services check the same permissions again.
import { GraphQLError, type GraphQLSchema, isObjectType } from 'graphql';
import { type IRules, allow, rule, shield } from 'graphql-shield';
import type { DomainRules, Rule } from './rules.js';

const ROOTS = ['Query', 'Mutation', 'Subscription'] as const;

/** One map of root rules; two domains ruling one field is a mistake caught at start-up. */
export function mergeRules(domains: readonly DomainRules[]): Record<(typeof ROOTS)[number], Record<string, Rule>> {
  const merged = { Query: {}, Mutation: {}, Subscription: {} } as Record<(typeof ROOTS)[number], Record<string, Rule>>;
  for (const domain of domains) {
    for (const root of ROOTS) {
      for (const [field, r] of Object.entries(domain[root] ?? {})) {
        if (field in merged[root]) throw new Error(`${root}.${field} has access rules in two domains`);
        merged[root][field] = r;
      }
    }
  }
  return merged;
}

/** Root fields need a rule (a new one is denied until it gets one); object types below them are open. */
export function permissions(schema: GraphQLSchema, domains: readonly DomainRules[]) {
  const rules: Record<string, unknown> = { ...mergeRules(domains) };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && !type.name.startsWith('__') && !(ROOTS as readonly string[]).includes(type.name)) rules[type.name] = allow;
  }
  return shield(rules as IRules, {
    fallbackRule: rule('deny-by-default')(() => forbiddenDefault()),
    allowExternalErrors: true,
    debug: false,
  });
}

const forbiddenDefault = () => new GraphQLError('This field has no access rule and is denied', { extensions: { code: 'FORBIDDEN' } });
