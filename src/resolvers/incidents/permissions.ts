import { type DomainRules, read, requires } from '../../graphql/rules.js';

export const rules: DomainRules = {
  Query: { incidents: read },
  Mutation: { reportIncident: requires('incident:write'), updateIncidentStatus: requires('incident:write') },
  Subscription: { incidentChanged: read },
};
