// @engines postgres
// The PostgreSQL connector against a real PostgreSQL 16 (started by the test set-up), run as a
// user runs it: `metalake crawl postgres` on the command line into the DATA_DIR of a running
// server, read back over GraphQL. Crawl, crawl again unchanged, change the database, crawl again
// and check exactly what changed; bad sources fail the run and change nothing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { admin, assetsUnder, crawlCli, freshDatabase } from '../support/connectors.js';
import { tempDir, uniqueTenant, until } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

const SCHEMA = `
  CREATE SCHEMA sales;
  CREATE SCHEMA staging;
  CREATE TABLE sales.customers (
    id serial PRIMARY KEY,
    email text NOT NULL,
    name varchar(200),
    created_at timestamptz DEFAULT now()
  );
  COMMENT ON TABLE sales.customers IS 'People who bought something';
  COMMENT ON COLUMN sales.customers.email IS 'Where receipts go';
  CREATE TABLE sales.orders (
    id bigint PRIMARY KEY,
    customer_id int NOT NULL REFERENCES sales.customers (id),
    amount numeric(10, 2),
    status text DEFAULT 'new'
  );
  CREATE VIEW sales.customer_orders AS
    SELECT c.id, c.email, o.amount FROM sales.customers c JOIN sales.orders o ON o.customer_id = c.id;
  CREATE VIEW sales.big_spenders AS SELECT id, email FROM sales.customer_orders WHERE amount > 100;
  CREATE MATERIALIZED VIEW sales.totals AS SELECT customer_id, sum(amount) AS total FROM sales.orders GROUP BY customer_id;
  CREATE TABLE staging.raw_events (payload jsonb);
  INSERT INTO sales.customers (email, name) SELECT 'c' || g || '@example.com', 'C' || g FROM generate_series(1, 50) g;
  ANALYZE;
`;

describe('PostgreSQL connector (real PostgreSQL)', () => {
  let server: TestServer;
  const data = tempDir('metalake-crawl-');
  before(async () => {
    server = await startTestServer({ DATA_DIR: data.path });
  });
  after(async () => {
    await server.close();
    data.remove();
  });

  it('crawls the catalog: schemas, tables, views, a materialized view, columns with types, keys, comments and view lineage', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('pg');
    const first = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.run?.status, 'SUCCEEDED');
    assert.equal(first.run?.source, db.base, 'the source is named without its user or password');
    const assets = await assetsUnder(server, tenant, db.base);
    // 1 database, 3 schemas (public too), 6 relations, 4 + 4 + 3 + 2 + 2 + 1 columns.
    assert.equal(assets.size, 1 + 3 + 6 + 16);
    assert.equal(first.run?.counts.created, assets.size);
    const a = (name: string) => assets.get(`${db.base}${name}`) ?? assert.fail(`no asset ${db.base}${name}`);
    assert.equal(a('').kind, 'DATABASE');
    assert.equal(a('.sales').kind, 'SCHEMA');
    const customers = a('.sales.customers');
    assert.equal(customers.kind, 'TABLE');
    assert.equal(customers.description, 'People who bought something');
    assert.deepEqual(customers.attributes['primaryKey'], ['id']);
    assert.equal(customers.attributes['rowEstimate'], 50);
    assert.equal(customers.attributes['owner'], admin.username);
    const orders = a('.sales.orders');
    assert.deepEqual(orders.attributes['foreignKeys'], [
      { name: 'orders_customer_id_fkey', columns: ['customer_id'], references: `${db.base}.sales.customers`, referencedColumns: ['id'] },
    ]);
    assert.deepEqual(a('.sales.orders.customer_id').attributes, {
      dataType: 'integer',
      nullable: false,
      ordinal: 2,
      default: null,
      references: `${db.base}.sales.customers.id`,
    });
    assert.equal(a('.sales.customers.email').description, 'Where receipts go');
    assert.equal(a('.sales.customers.name').attributes['dataType'], 'character varying(200)');
    assert.equal(a('.sales.orders.status').attributes['default'], "'new'::text");
    assert.equal(a('.sales.customers.id').attributes['primaryKey'], true);
    assert.equal(a('.sales.customer_orders').kind, 'VIEW');
    assert.equal(a('.sales.totals').kind, 'VIEW');
    assert.equal(a('.sales.totals').attributes['materialized'], true);

    // View lineage from the catalog: tables → view → view on it, and columns where names say so.
    const gql = server.http(await server.token(tenant, 'viewer'));
    const lineage = await gql.request<{ lineage: { edges: { from: { qualifiedName: string }; to: { qualifiedName: string } }[] } }>(
      `query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 3) { edges { from { qualifiedName } to { qualifiedName } } } }`,
      { q: `${db.base}.sales.big_spenders` },
    );
    assert.equal(lineage.errors, undefined, JSON.stringify(lineage.errors));
    const edges = new Set(
      lineage.data!.lineage.edges.map(
        (e) => `${e.from.qualifiedName.slice(db.base.length)} -> ${e.to.qualifiedName.slice(db.base.length)}`,
      ),
    );
    assert.deepEqual([...edges].sort(), [
      '.sales.customer_orders -> .sales.big_spenders',
      '.sales.customers -> .sales.customer_orders',
      '.sales.orders -> .sales.customer_orders',
    ]);
    const columnLineage = await gql.request<{ lineage: { edges: { from: { qualifiedName: string } }[] } }>(
      `query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 3) { edges { from { qualifiedName } } } }`,
      { q: `${db.base}.sales.big_spenders.email` },
    );
    assert.deepEqual(columnLineage.data!.lineage.edges.map((e) => e.from.qualifiedName.slice(db.base.length)).sort(), [
      '.sales.customer_orders.email',
      '.sales.customers.email',
    ]);
    const totals = await gql.request<{ lineage: { edges: { from: { qualifiedName: string } }[] } }>(
      `query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 1) { edges { from { qualifiedName } } } }`,
      { q: `${db.base}.sales.totals` },
    );
    assert.deepEqual(
      totals.data!.lineage.edges.map((e) => e.from.qualifiedName.slice(db.base.length)),
      ['.sales.orders'],
    );
  });

  it('changes nothing on an unchanged second crawl, then applies exactly what changed in the database', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('pg');
    assert.equal((await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url])).status, 0);
    const before = await assetsUnder(server, tenant, db.base);
    await server.quiesce();
    const events = server
      .ws(await server.token(tenant, 'viewer'))
      .subscribe<{ assetChanged: { change: string; asset: { qualifiedName: string } } }>(
        `subscription($p: String!) { assetChanged(qualifiedNamePrefix: $p) { change asset { qualifiedName } } }`,
        { p: db.base },
      );
    await server.subscribed(tenant, 1);

    const again = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(again.run?.counts, { created: 0, updated: 0, deleted: 0, unchanged: before.size });
    const same = await assetsUnder(server, tenant, db.base);
    assert.deepEqual(
      [...same.values()].map((a) => [a.qualifiedName, a.version]),
      [...before.values()].map((a) => [a.qualifiedName, a.version]),
      'no version moved',
    );

    await db.sql(`
      DROP VIEW sales.big_spenders;
      ALTER TABLE sales.orders ADD COLUMN shipped_at timestamptz;
      COMMENT ON TABLE sales.customers IS 'Everyone with an account';
      DROP TABLE staging.raw_events;
    `);
    const changed = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(changed.status, 0, changed.stderr);
    // Created: the new column. Updated: the comment. Deleted: the view with its 2 columns, the table with its 1.
    assert.deepEqual(changed.run?.counts, { created: 1, updated: 1, deleted: 5, unchanged: before.size - 1 - 5 });
    const after = await assetsUnder(server, tenant, db.base);
    assert.equal(after.size, before.size + 1 - 5);
    assert.equal(after.get(`${db.base}.sales.customers`)?.description, 'Everyone with an account');
    assert.equal(after.get(`${db.base}.sales.customers`)?.version, 2);
    assert.equal(after.get(`${db.base}.sales.orders.shipped_at`)?.attributes['dataType'], 'timestamp with time zone');
    assert.equal(after.has(`${db.base}.sales.big_spenders`), false);
    assert.equal(after.has(`${db.base}.staging.raw_events`), false);
    assert.equal(after.has(`${db.base}.staging`), true, 'the schema is still in the database');

    // The events: none for the unchanged crawl (the first event is the third crawl's).
    const heard = await events.waitFor(1 + 1 + 5);
    events.unsubscribe();
    assert.deepEqual(heard.map((e) => `${e.assetChanged.change} ${e.assetChanged.asset.qualifiedName.slice(db.base.length)}`).sort(), [
      'CREATED .sales.orders.shipped_at',
      'DELETED .sales.big_spenders',
      'DELETED .sales.big_spenders.email',
      'DELETED .sales.big_spenders.id',
      'DELETED .staging.raw_events',
      'DELETED .staging.raw_events.payload',
      'UPDATED .sales.customers',
    ]);
  });

  it('deletes only what it created: another producer’s assets under a crawled schema stay, and so does their container', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('pg');
    assert.equal((await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url])).status, 0);
    const editor = server.http(await server.token(tenant, 'editor'));
    // Another producer: a table it knows of in the staging schema, and an asset that existed before the crawler saw it.
    const made = await editor.request(`mutation($input: [AssetInput!]!) { upsertAssets(input: $input) { created } }`, {
      input: [{ qualifiedName: `${db.base}.staging.from_airflow`, kind: 'TABLE', parentQualifiedName: `${db.base}.staging` }],
    });
    assert.equal(made.errors, undefined, JSON.stringify(made.errors));
    await db.sql('DROP SCHEMA staging CASCADE; DROP TABLE sales.orders CASCADE;');
    const run = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(run.status, 0, run.stderr);
    const after = await assetsUnder(server, tenant, db.base);
    assert.equal(after.has(`${db.base}.staging.from_airflow`), true, 'another producer’s table is never deleted');
    assert.equal(after.has(`${db.base}.staging`), true, 'a schema holding it is kept');
    assert.equal(after.has(`${db.base}.staging.raw_events`), false);
    assert.equal(after.has(`${db.base}.sales.orders`), false);
    assert.equal(after.has(`${db.base}.sales.totals`), false, 'a view on a dropped table is dropped with it');
    assert.match(run.run!.errors.join('\n'), /KEPT: .*\.staging is gone from the source but contains 1 asset/);
    assert.equal(run.run!.status, 'SUCCEEDED');
  });

  it('names tables as OpenLineage does: an event about a crawled table keeps it a TABLE and its lineage joins it', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('pg');
    assert.equal((await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url])).status, 0);
    const base = server.url.replace(/\/graphql$/, '');
    const namespace = `postgres://${admin.hostname}:${admin.port}`;
    const event = (eventType: string) => ({
      eventType,
      eventTime: new Date().toISOString(),
      producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.40.1/integration/airflow',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: '0195f2a1-5c8e-7cc1-b1c4-1b8f6f2f7e21' },
      job: { namespace: 'airflow-prod', name: 'exports.orders_to_bigquery' },
      inputs: [{ namespace, name: `${db.name}.sales.orders` }],
      outputs: [{ namespace: 'bigquery', name: 'analytics.marts.orders' }],
    });
    for (const type of ['START', 'COMPLETE']) {
      const res = await fetch(`${base}/api/v1/lineage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(tenant, 'ingest')}` },
        body: JSON.stringify(event(type)),
      });
      assert.equal(res.status, 201, await res.text());
    }
    const gql = server.http(await server.token(tenant, 'viewer'));
    const r = await gql.request<{ asset: { kind: string; version: number }; lineage: { nodes: { qualifiedName: string }[] } }>(
      `query($q: String!) { asset(qualifiedName: $q) { kind version } lineage(qualifiedName: $q, direction: BOTH, depth: 1) { nodes { qualifiedName } } }`,
      { q: `${db.base}.sales.orders` },
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.asset.kind, 'TABLE');
    assert.deepEqual(r.data!.lineage.nodes.map((n) => n.qualifiedName).sort(), [
      'bigquery://analytics.marts.orders',
      `${db.base}.sales.customer_orders`,
      `${db.base}.sales.orders`,
      `${db.base}.sales.totals`,
    ]);
    // And the crawler, crawling again, sees its table unchanged (the event's lineage is not the crawler's to remove).
    const again = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(again.run?.counts.updated, 0);
    assert.equal(again.run?.counts.deleted, 0);
  });

  it('fails a run on wrong credentials or an unreachable server, says why, records it, and deletes nothing', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('pg');
    assert.equal((await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url])).status, 0);
    const before = await assetsUnder(server, tenant, db.base);
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password';
    const denied = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', wrong.toString()]);
    assert.equal(denied.status, 1);
    assert.equal(denied.run?.status, 'FAILED');
    assert.match(denied.run.errors[0] ?? '', /^SOURCE_AUTH: .*authentication failed/);
    assert.doesNotMatch(JSON.stringify(denied.run) + denied.stderr, /not-the-password/, 'the password is never shown');
    const unreachable = new URL(db.url);
    unreachable.port = '1';
    const down = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', unreachable.toString()]);
    assert.equal(down.status, 1);
    assert.match(down.run!.errors[0]!, /^SOURCE_UNREACHABLE: .*ECONNREFUSED/);
    const missing = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url.replace(db.name, 'no_such_db')]);
    assert.equal(missing.status, 1);
    assert.match(missing.run!.errors[0]!, /^SOURCE_UNREACHABLE: .*does not exist/);
    assert.deepEqual([...(await assetsUnder(server, tenant, db.base)).keys()], [...before.keys()], 'nothing deleted');

    // The runs are kept, newest first; admins read them, viewers may not.
    const runs = await server.http(await server.token(tenant, 'admin')).request<{
      crawlRuns: { edges: { node: { status: string; connector: string; errors: string[]; counts: { created: number } } }[] };
    }>(`{ crawlRuns(first: 10) { edges { node { status connector errors counts { created } } } } }`);
    assert.equal(runs.errors, undefined, JSON.stringify(runs.errors));
    assert.deepEqual(
      runs.data!.crawlRuns.edges.map((e) => e.node.status),
      ['FAILED', 'FAILED', 'FAILED', 'SUCCEEDED'],
    );
    assert.equal(runs.data!.crawlRuns.edges[3]!.node.counts.created, before.size);
    const viewer = await server.http(await server.token(tenant, 'viewer')).request(`{ crawlRuns { edges { node { id } } } }`);
    assert.equal((viewer.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code, 'FORBIDDEN');
    // Another tenant sees none of them.
    const other = await server
      .http(await server.token(uniqueTenant(), 'admin'))
      .request<{ crawlRuns: { edges: unknown[] } }>(`{ crawlRuns { edges { node { id } } } }`);
    assert.deepEqual(other.data?.crawlRuns.edges, []);
  });

  it('does not start a CLI crawl while another crawl holds the source’s lease, and starts once it is released', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('busy');
    const first = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(first.status, 0, first.stderr);
    const source = first.run!.source;
    const graph = server.app.store.tenant(tenant);
    // A crawler replica is crawling it (its lease, as it takes it).
    assert.equal(await graph.transaction((tx) => tx.leaseCrawl(source, 'crawler-elsewhere', Date.now() + 60_000, Date.now())), true);
    const busy = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(busy.status, 1);
    assert.equal(busy.run, null);
    assert.match(
      busy.stderr,
      new RegExp(`SOURCE_BUSY: another crawl of source ${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in tenant ${tenant} is running`),
    );
    await graph.transaction((tx) => tx.releaseCrawl(source, 'crawler-elsewhere'));
    const after = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
    assert.equal(after.status, 0, after.stderr);
    // Two runs recorded, none for the refused start; and the CLI released its own lease.
    assert.deepEqual(
      (await graph.crawlRuns({}, { first: 10, after: null })).items.map((i) => i.node.status),
      ['SUCCEEDED', 'SUCCEEDED'],
    );
    assert.equal(await graph.transaction((tx) => tx.leaseCrawl(source, 'crawler-elsewhere', Date.now() + 60_000, Date.now())), true);
  });

  it('runs CONNECTORS_FILE on its schedule on two replicas, never both crawling one source at once, with the password from the environment', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('sched');
    const url = new URL(db.url);
    process.env['METALAKE_TEST_PG_PASSWORD'] = decodeURIComponent(url.password);
    url.password = '';
    const file = join(data.path, `connectors-${tenant}.yaml`);
    writeFileSync(
      file,
      [
        'sources:',
        `  - tenant: ${tenant}`,
        '    type: postgres',
        `    url: ${url.toString()}`,
        '    password: { env: METALAKE_TEST_PG_PASSWORD }',
        '    schedule: "* * * * * *"',
        '    include: { schemas: [sales] }',
        '',
      ].join('\n'),
    );
    // Two replicas on one store, each with a crawler worker ticking every second.
    const replicas = [
      await startTestServer({ DATA_DIR: data.path, CONNECTORS_FILE: file }),
      await startTestServer({ DATA_DIR: data.path, CONNECTORS_FILE: file }),
    ];
    const gql = server.http(await server.token(tenant, 'admin'));
    const runs = async () =>
      (
        await gql.request<{
          crawlRuns: {
            edges: {
              node: {
                status: string;
                trigger: string;
                startedAt: string;
                finishedAt: string | null;
                counts: { created: number; unchanged: number };
              };
            }[];
          };
        }>(`{ crawlRuns(first: 100) { edges { node { status trigger startedAt finishedAt counts { created unchanged } } } } }`)
      ).data!.crawlRuns.edges.map((e) => e.node);
    try {
      await until('four scheduled runs', async () => (await runs()).filter((r) => r.finishedAt !== null).length >= 4, 30_000, 200);
    } finally {
      for (const r of replicas) await r.close();
    }
    const done = (await runs()).filter((r) => r.finishedAt !== null).reverse();
    assert.ok(
      done.every((r) => r.trigger === 'SCHEDULE' && r.status === 'SUCCEEDED'),
      JSON.stringify(done),
    );
    assert.ok(done[0]!.counts.created > 0);
    assert.ok(done.slice(1).every((r) => r.counts.created === 0 && r.counts.unchanged === done[0]!.counts.created));
    // No two runs of the source overlap in time: each started after the one before it finished.
    for (let i = 1; i < done.length; i++)
      assert.ok(
        Date.parse(done[i]!.startedAt) >= Date.parse(done[i - 1]!.finishedAt!),
        `run ${i} overlaps run ${i - 1}: ${JSON.stringify(done)}`,
      );
    assert.ok((await assetsUnder(server, tenant, db.base)).has(`${db.base}.sales.orders`));
  });

  it('crawls only the schemas and tables its patterns include', async () => {
    const db = await freshDatabase(SCHEMA);
    const tenant = uniqueTenant('pg');
    const run = await crawlCli('postgres', data.path, [
      '--tenant',
      tenant,
      '--url',
      db.url,
      '--include-schemas',
      'sales',
      '--exclude-tables',
      'sales.customer_*,*.totals',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const assets = await assetsUnder(server, tenant, db.base);
    assert.deepEqual(
      [...assets.values()]
        .filter((a) => a.kind !== 'COLUMN')
        .map((a) => a.qualifiedName.slice(db.base.length))
        .sort(),
      ['', '.sales', '.sales.big_spenders', '.sales.customers', '.sales.orders'],
    );
  });
});
