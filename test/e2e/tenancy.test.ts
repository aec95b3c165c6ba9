// The cross-tenant matrix on the embedded store and index (and on Neo4j + Elasticsearch in
// test/hostile-neo4j-elasticsearch.test.ts).
import { tenancySuite } from './tenancy.suite.js';

tenancySuite('embedded', () => ({}));
