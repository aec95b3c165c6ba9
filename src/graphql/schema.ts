import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { PROJECT_ROOT } from '../paths.js';
import { resolvers, rules } from '../resolvers/index.js';
import { permissions } from './permissions.js';

export function loadTypeDefs(): string[] {
  const dir = join(PROJECT_ROOT, 'schema');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** The executable schema with the shield applied. */
export function buildSchema(): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  return applyMiddleware(schema, permissions(schema, rules));
}
