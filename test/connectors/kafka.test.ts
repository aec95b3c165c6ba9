// @engines postgres kafka
// `metalake crawl` with KAFKA_BROKERS set: the crawl publishes to the ingest lanes and the
// server's ingest workers apply it, exactly like any other producer's events (a real Kafka and a
// real PostgreSQL; the embedded store holds the graph and the crawl's bookkeeping).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assetsUnder, crawlCli, freshDatabase } from '../support/connectors.js';
import { kafkaEnv, tempDir, uniqueTenant, until } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

describe('PostgreSQL connector through the Kafka lanes', () => {
  let server: TestServer;
  const data = tempDir('metalake-crawl-kafka-');
  const env = kafkaEnv();
  before(async () => {
    server = await startTestServer({ DATA_DIR: data.path, ...env });
  });
  after(async () => {
    await server.close();
    data.remove();
  });

  it('publishes the crawl to the lanes, the workers apply it, and a re-crawl of the applied state publishes nothing', async () => {
    const db = await freshDatabase(`
      CREATE SCHEMA sales;
      CREATE TABLE sales.customers (id int PRIMARY KEY, email text);
      CREATE TABLE sales.orders (id int PRIMARY KEY, customer_id int REFERENCES sales.customers (id));
      CREATE VIEW sales.customer_orders AS SELECT c.email, o.id FROM sales.customers c JOIN sales.orders o ON o.customer_id = c.id;
    `);
    const tenant = uniqueTenant('kafka');
    const first = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url], env);
    assert.equal(first.status, 0, first.stderr);
    // 1 database, 2 schemas (public, sales), 3 relations, 2 + 2 + 2 columns.
    const expected = 1 + 2 + 3 + 6;
    assert.equal(first.run?.counts.created, expected);
    await until('the workers applied the crawl', async () => (await assetsUnder(server, tenant, db.base)).size === expected, 30_000, 200);
    const gql = server.http(await server.token(tenant, 'viewer'));
    await until(
      'the view lineage (published after the assets)',
      async () =>
        (
          await gql.request<{ lineage: { edges: unknown[] } }>(
            `query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 1) { edges { from { id } } } }`,
            { q: `${db.base}.sales.customer_orders` },
          )
        ).data?.lineage.edges.length === 2,
      30_000,
      200,
    );

    const again = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url], env);
    assert.deepEqual(again.run?.counts, { created: 0, updated: 0, deleted: 0, unchanged: expected });

    await db.sql('DROP VIEW sales.customer_orders; DROP TABLE sales.orders;');
    const dropped = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url], env);
    assert.equal(dropped.status, 0, dropped.stderr);
    assert.equal(dropped.run?.counts.deleted, 6, 'the view and the table, with their columns');
    await until('the deletions applied', async () => (await assetsUnder(server, tenant, db.base)).size === expected - 6, 30_000, 200);
    const left = await assetsUnder(server, tenant, db.base);
    assert.equal(left.has(`${db.base}.sales.customers.email`), true);
    assert.equal(left.has(`${db.base}.sales.orders`), false);
  });

  it('deletes, on a later run, a table dropped while its creation was still queued on the lanes', async () => {
    const db = await freshDatabase(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.keep (id int);
      CREATE TABLE shop.brief (id int);
    `);
    const tenant = uniqueTenant('queued');
    // No server: nothing applies the lanes, as when the workers lag behind.
    await server.close();
    try {
      const first = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url], env);
      assert.equal(first.status, 0, first.stderr);
      await db.sql('DROP TABLE shop.brief;');
      const second = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url], env);
      assert.equal(second.status, 0, second.stderr);
      assert.equal(second.run?.counts.deleted, 0, 'nothing to delete yet: the graph does not have it');
    } finally {
      server = await startTestServer({ DATA_DIR: data.path, ...env });
    }
    // The workers catch up: the queued creation lands.
    await until(
      'the queued crawl applied',
      async () => (await assetsUnder(server, tenant, db.base)).has(`${db.base}.shop.brief`),
      30_000,
      200,
    );
    const third = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url], env);
    assert.equal(third.status, 0, third.stderr);
    assert.equal(third.run?.counts.deleted, 2, 'the table and its column, owned by the source');
    await until(
      'the deletion applied',
      async () => !(await assetsUnder(server, tenant, db.base)).has(`${db.base}.shop.brief`),
      30_000,
      200,
    );
    assert.equal((await assetsUnder(server, tenant, db.base)).has(`${db.base}.shop.keep.id`), true);
  });
});
