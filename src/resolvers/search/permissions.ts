import { type DomainRules, read } from '../../graphql/rules.js';

export const rules: DomainRules = {
  Query: { search: read },
};
