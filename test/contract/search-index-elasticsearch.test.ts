// The search index contract against the real Elasticsearch the engines harness starts.
import { randomUUID } from 'node:crypto';
import { createElasticsearchIndex } from '../../src/store/elasticsearch/index.js';
import { searchIndexContract } from './search-index.contract.js';

searchIndexContract({
  name: 'elasticsearch',
  open() {
    const url = process.env.ELASTICSEARCH_URL;
    if (!url) throw new Error('ELASTICSEARCH_URL is not set: run the tests with `npm test` (it starts Elasticsearch) or point ELASTICSEARCH_URL at a server');
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
