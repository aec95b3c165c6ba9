import { type DomainRules, read, requires } from '../../graphql/rules.js';

export const rules: DomainRules = {
  Query: { lineage: read },
  Mutation: { addLineage: requires('lineage:write'), removeLineage: requires('lineage:write') },
};
