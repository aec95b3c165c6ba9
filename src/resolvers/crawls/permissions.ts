import { type DomainRules, requires } from '../../graphql/rules.js';

export const rules: DomainRules = {
  Query: { crawlRuns: requires('crawl:read') },
};
