// @engines elasticsearch
// The search end-to-end suite with the server on the real Elasticsearch of the engines harness.
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { removeIndices } from './support/elasticsearch.js';
import { searchSuite } from './e2e/search.suite.js';

const prefix = `mle2e-${randomUUID().slice(0, 8)}`;

searchSuite('elasticsearch', () => {
  if (!process.env.ELASTICSEARCH_URL)
    throw new Error(
      'ELASTICSEARCH_URL is not set: run the tests with `npm test` (it starts Elasticsearch) or point ELASTICSEARCH_URL at a server',
    );
  return { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL, ELASTICSEARCH_INDEX_PREFIX: prefix };
});

after(() => removeIndices(prefix));
