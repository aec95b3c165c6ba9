import { mergeResolvers } from '@graphql-tools/merge';
import type { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import * as assets from './assets/index.js';
import * as classification from './classification/index.js';
import * as crawls from './crawls/index.js';
import * as incidents from './incidents/index.js';
import * as lineage from './lineage/index.js';
import * as search from './search/index.js';
import * as viewer from './viewer/index.js';
import { rules as assetRules } from './assets/permissions.js';
import { rules as classificationRules } from './classification/permissions.js';
import { rules as crawlRules } from './crawls/permissions.js';
import { rules as incidentRules } from './incidents/permissions.js';
import { rules as lineageRules } from './lineage/permissions.js';
import { rules as searchRules } from './search/permissions.js';
import { rules as viewerRules } from './viewer/permissions.js';
import type { DomainRules } from '../graphql/rules.js';

/**
 * A scalar's behaviour without its name and description: given a whole GraphQLScalarType,
 * graphql-tools copies graphql-scalars' own description over the one the SDL gives.
 */
const behaviour = (scalar: GraphQLScalarType) =>
  ({ serialize: scalar.serialize, parseValue: scalar.parseValue, parseLiteral: scalar.parseLiteral }) as unknown as GraphQLScalarType;

export const resolvers: Resolvers = mergeResolvers<unknown, Resolvers>([
  { DateTime: behaviour(DateTimeResolver), JSON: behaviour(JSONResolver) },
  assets,
  lineage,
  classification,
  incidents,
  crawls,
  search,
  viewer,
]);

/** Each domain's access rules for its root fields, beside its resolvers. */
export const rules: DomainRules[] = [assetRules, lineageRules, classificationRules, incidentRules, crawlRules, searchRules, viewerRules];
