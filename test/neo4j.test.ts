// Everything that runs against the real Neo4j the engines harness starts: the graph store
// contract, the propagation rules and the whole GraphQL API with STORE=neo4j. One file on
// purpose: Neo4j Community has a single database, so suites that share it (and its outbox,
// which the API server's relay drains) run one after the other, never side by side.
import { apiSuite } from './e2e/api.suite.js';
import { graphStoreContract } from './contract/graph-store.contract.js';
import { propagationContract } from './contract/propagation.contract.js';
import { neo4jFactory } from './support/fixtures.js';

graphStoreContract(neo4jFactory);
propagationContract(neo4jFactory);
apiSuite('neo4j', () => {
  if (!process.env.NEO4J_URI) throw new Error('NEO4J_URI is not set: run the tests with `npm test` (it starts Neo4j) or point NEO4J_URI at a server');
  return { STORE: 'neo4j', NEO4J_URI: process.env.NEO4J_URI };
});
