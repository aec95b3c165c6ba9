// Hostile input against the embedded store and search index (the same suite runs on Neo4j and
// Elasticsearch in test/hostile-neo4j-elasticsearch.test.ts).
import { fuzzSuite } from './fuzz.suite.js';

fuzzSuite('embedded', () => ({}), 60);
