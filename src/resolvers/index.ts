import { mergeResolvers } from '@graphql-tools/merge';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import * as assets from './assets/index.js';
import * as classification from './classification/index.js';
import * as incidents from './incidents/index.js';
import * as lineage from './lineage/index.js';
import * as search from './search/index.js';
import * as viewer from './viewer/index.js';

export const resolvers: Resolvers = mergeResolvers<unknown, Resolvers>([
  { DateTime: DateTimeResolver, JSON: JSONResolver },
  assets,
  lineage,
  classification,
  incidents,
  search,
  viewer,
]);
