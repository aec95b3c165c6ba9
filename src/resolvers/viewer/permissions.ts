import { type DomainRules, isAuthenticated } from '../../graphql/rules.js';

export const rules: DomainRules = {
  Query: { me: isAuthenticated },
};
