import { type DomainRules, read, requires } from '../../graphql/rules.js';

const write = requires('classification:write');

export const rules: DomainRules = {
  Query: { classificationTypes: read, propagationJob: read },
  Mutation: { defineClassification: write, classify: write, declassify: write, blockPropagation: write, unblockPropagation: write },
  Subscription: { classificationChanged: read },
};
