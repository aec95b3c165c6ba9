// The outer gate: a root field without a rule is denied, ruled ones answer by their rule, and the
// fields below the roots are open.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny } from 'graphql-shield';
import { permissions } from './permissions.js';
import type { DomainRules } from './rules.js';

const typeDefs = `
  type Query { open: Item, closed: String, unruled: String }
  type Mutation { change: String }
  type Subscription { tick: String }
  type Item { name: String, tags: [String!]! }`;
const item = { name: 'orders', tags: ['gold'] };
const resolvers = {
  Query: { open: () => item, closed: () => 'secret', unruled: () => 'secret' },
  Mutation: { change: () => 'changed' },
  Subscription: { tick: { subscribe: async function* () {} } },
  Item: { name: (i: typeof item) => i.name },
};

describe('the outer gate', () => {
  const base = makeExecutableSchema({ typeDefs, resolvers });
  const rules = [{ Query: { open: allow, closed: deny } }] as unknown as DomainRules[];
  const schema = applyMiddleware(base, permissions(base, rules));
  const run = async (source: string) => graphql({ schema, source, contextValue: {} });

  it('answers a ruled field, refuses a denied one and denies a root field that has no rule', async () => {
    const open = await run('{ open { name tags } }');
    assert.deepEqual(open.errors, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(open.data)), { open: { name: 'orders', tags: ['gold'] } });
    for (const source of ['{ closed }', '{ unruled }', 'mutation { change }']) {
      const r = await run(source);
      assert.equal(r.errors?.length, 1, source);
      assert.deepEqual(Object.values(r.data ?? {}), [null], `${source} resolves nothing`);
    }
    const unruled = await run('{ unruled }');
    assert.equal(unruled.errors?.[0]?.extensions.code, 'FORBIDDEN');
    assert.match(unruled.errors?.[0]?.message ?? '', /no access rule/);
  });
});
