// @engines elasticsearch
// The search index contract against the real Elasticsearch the engines harness starts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { MAPPING_VERSION, createElasticsearchIndex } from '../../src/store/elasticsearch/index.js';
import { storeFailure } from '../../src/store/errors.js';
import { searchDoc, searchIndexContract } from './search-index.contract.js';

searchIndexContract({
  name: 'elasticsearch',
  open() {
    const url = process.env.ELASTICSEARCH_URL;
    if (!url)
      throw new Error(
        'ELASTICSEARCH_URL is not set: run the tests with `npm test` (it starts Elasticsearch) or point ELASTICSEARCH_URL at a server',
      );
    const prefix = `mltest-${randomUUID().slice(0, 8)}`;
    const index = createElasticsearchIndex({ url, prefix });
    return Promise.resolve({
      index,
      async close() {
        // Leave a long-lived development cluster as it was (wildcard deletes are refused by default).
        const names = Object.keys(await index.client.indices.get({ index: `${prefix}-*` }));
        if (names.length > 0) await index.client.indices.delete({ index: names });
        await index.close();
      },
    });
  },
});

describe('elasticsearch mapping versions', () => {
  it('refuses to write into a live index of another mapping version until a reindex switches it', async () => {
    const url = process.env.ELASTICSEARCH_URL!;
    const prefix = `mlmap-${randomUUID().slice(0, 8)}`;
    const index = createElasticsearchIndex({ url, prefix });
    try {
      const tenant = 'acme';
      // What an older metalake left behind: its own mapping version behind the tenant's aliases.
      await index.client.indices.create({
        index: `${index.aliasOf(tenant)}-v0-old`,
        mappings: {
          _meta: { metalakeMapping: MAPPING_VERSION - 1 },
          dynamic: 'strict',
          properties: { tenant: { type: 'keyword' }, id: { type: 'keyword' }, name: { type: 'text' } },
        },
        aliases: { [index.aliasOf(tenant)]: {}, [`${index.aliasOf(tenant)}-all`]: {} },
      });
      await assert.rejects(
        index.upsert(tenant, [searchDoc('pg://h/db.s.t')]),
        (error: unknown) => storeFailure(error) === 'mapping-outdated' && /metalake reindex --tenant acme/.test((error as Error).message),
      );
      // Searching still works on the old index meanwhile.
      assert.equal((await index.search(tenant, { text: 't', first: 5, after: null })).total, 0);
      const rebuild = await index.rebuild(tenant);
      await rebuild.add([searchDoc('pg://h/db.s.orders')]);
      await rebuild.commit();
      await index.upsert(tenant, [searchDoc('pg://h/db.s.customers')]);
      await index.refresh(tenant);
      assert.equal((await index.search(tenant, { text: '', first: 5, after: null })).total, 2);
    } finally {
      const names = Object.keys(await index.client.indices.get({ index: `${prefix}-*` }));
      if (names.length > 0) await index.client.indices.delete({ index: names });
      await index.close();
    }
  });
});
