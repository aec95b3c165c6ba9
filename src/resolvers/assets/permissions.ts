import { type DomainRules, read, requires } from '../../graphql/rules.js';

export const rules: DomainRules = {
  Query: { asset: read, assets: read },
  Mutation: { upsertAssets: requires('asset:write'), deleteAssets: requires('asset:write') },
  Subscription: { assetChanged: read },
};
