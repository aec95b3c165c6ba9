// The search index contract against the real Elasticsearch the engines harness starts.
import { randomUUID } from 'node:crypto';
import { createElasticsearchIndex } from '../../src/store/elasticsearch/index.js';
import { searchIndexContract } from './search-index.contract.js';

searchIndexContract({
  name: 'elasticsearch',
  open() {
    const url = process.env.ELASTICSEARCH_URL;
    if (!url) throw new Error('ELASTICSEARCH_URL is not set: run the tests with `npm test` (it starts Elasticsearch) or point ELASTICSEARCH_URL at a server');
    const index = createElasticsearchIndex({ url, prefix: `mltest-${randomUUID().slice(0, 8)}` });
    return Promise.resolve({ index, close: () => index.close() });
  },
});
