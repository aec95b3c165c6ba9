// @engines neo4j:exclusive elasticsearch
// Hostile clients against the real Neo4j and Elasticsearch of the engines harness: the
// cross-tenant matrix, and hostile input (Cypher- and Lucene-looking strings, huge and deep values).
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { removeIndices } from './support/elasticsearch.js';
import { fuzzSuite } from './e2e/fuzz.suite.js';
import { tenancySuite } from './e2e/tenancy.suite.js';

const prefix = `mlfuzz-${randomUUID().slice(0, 8)}`;

function engines(): Record<string, string> {
  if (!process.env.NEO4J_URI || !process.env.ELASTICSEARCH_URL)
    throw new Error('NEO4J_URI and ELASTICSEARCH_URL must be set: run the tests with `npm test` (it starts the engines)');
  return {
    STORE: 'neo4j',
    NEO4J_URI: process.env.NEO4J_URI,
    ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
    ELASTICSEARCH_INDEX_PREFIX: prefix,
  };
}

tenancySuite('neo4j + elasticsearch', engines);
fuzzSuite('neo4j + elasticsearch', engines, 30);

after(() => removeIndices(prefix));
