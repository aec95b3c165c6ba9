// @engines postgres
// The dbt connector with a real dbt: dbt-core and dbt-postgres (from PyPI, in the environment the
// test set-up creates) build test/fixtures/dbt/shop against a real PostgreSQL, while dbt-ol sends
// the run's OpenLineage events to metalake's endpoint. The PostgreSQL connector crawls the
// warehouse, the dbt connector reads the artifacts: all three meet on the same assets.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { admin, assetsUnder, crawlCli, freshDatabase } from '../support/connectors.js';
import { dbtBin, dbtProject } from '../support/dbt.js';
import { tempDir, uniqueTenant } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

const RAW = `
  CREATE SCHEMA raw;
  CREATE TABLE raw.customers (id int PRIMARY KEY, email text NOT NULL, name text, created_at timestamptz DEFAULT now());
  CREATE TABLE raw.orders (id int PRIMARY KEY, customer_id int, amount numeric(10, 2), status text);
  INSERT INTO raw.customers (id, email, name) VALUES (1, 'a@example.com', 'A'), (2, 'b@example.com', 'B');
  INSERT INTO raw.orders VALUES (1, 1, 10, 'paid'), (2, 2, 5, 'refunded');
`;

/** test/fixtures/dbt/shop, to be built into the database `dbname` of the test PostgreSQL. */
const shopProject = (dbname: string) =>
  dbtProject('shop', {
    host: admin.hostname,
    port: Number(admin.port),
    user: decodeURIComponent(admin.username),
    password: decodeURIComponent(admin.password),
    dbname,
  });

interface Classified {
  asset: { classifications: { name: string; propagated: boolean; addedBy: string }[] } | null;
}

describe('dbt connector (real dbt-core, dbt-postgres and dbt-ol against a real PostgreSQL)', () => {
  let server: TestServer;
  const data = tempDir('metalake-dbt-crawl-');
  before(async () => {
    dbtBin(); // installs dbt on the first run on a machine
    server = await startTestServer({ DATA_DIR: data.path });
  });
  after(async () => {
    await server.close();
    data.remove();
  });

  it('meets the crawled warehouse and dbt-ol’s lineage on the same assets, maps meta to classifications and failed tests to incidents', async () => {
    const db = await freshDatabase(RAW);
    const tenant = uniqueTenant('dbt');
    const project = shopProject(db.name);
    try {
      const base = server.url.replace(/\/graphql$/, '');
      const ol = { OPENLINEAGE_URL: base, OPENLINEAGE_API_KEY: await server.token(tenant, 'ingest'), OPENLINEAGE_NAMESPACE: 'dbt-shop' };
      for (const step of [['seed'], ['snapshot']]) {
        const r = await project.run(step);
        assert.equal(r.status, 0, r.output);
      }
      const run = await project.run(['run'], { tool: 'dbt-ol', env: ol });
      assert.equal(run.status, 0, run.output);
      const docs = await project.run(['docs', 'generate']);
      assert.equal(docs.status, 0, docs.output);
      // One test fails: a refunded order is not an accepted status.
      const tests = await project.run(['test']);
      assert.equal(tests.status, 1, tests.output);
      assert.match(tests.output, /Failure in test accepted_values_stg_orders_status/);

      const pgRun = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
      assert.equal(pgRun.status, 0, pgRun.stderr);
      const artifacts = ['--manifest', join(project.target, 'manifest.json'), '--catalog', join(project.target, 'catalog.json')];
      const dbtRun = await crawlCli('dbt', data.path, [
        '--tenant',
        tenant,
        ...artifacts,
        '--run-results',
        join(project.target, 'run_results.json'),
      ]);
      assert.equal(dbtRun.status, 0, dbtRun.stderr);
      assert.equal(dbtRun.run?.source, 'dbt://shop');
      assert.equal(dbtRun.run?.counts.created, 0, 'every relation dbt built was crawled from the warehouse already: the same assets');

      const assets = await assetsUnder(server, tenant, db.base);
      const a = (name: string) => assets.get(`${db.base}.${name}`) ?? assert.fail(`no asset ${db.base}.${name}`);
      const revenue = a('marts.customer_revenue');
      assert.equal(revenue.kind, 'TABLE');
      assert.equal(revenue.description, 'Revenue per customer, paid orders only.');
      assert.deepEqual(revenue.owners, ['analytics@example.com']);
      assert.equal((revenue.attributes['dbt'] as { materialized: string }).materialized, 'table');
      assert.equal(revenue.attributes['type'], 'table', 'the warehouse crawler’s attributes stay beside dbt’s');
      assert.deepEqual((revenue.attributes['dbt'] as { tags: string[] }).tags.sort(), ['finance', 'gdpr']);
      assert.equal(a('staging.stg_customers').kind, 'VIEW');
      assert.equal(a('staging.stg_customers.email').description, 'Where receipts go.');
      assert.equal(a('raw.customers').description, 'Accounts as the application keeps them.');
      assert.equal(a('ref.regions').kind, 'TABLE');
      assert.equal((a('snapshots.customers_snapshot').attributes['dbt'] as { resourceType: string }).resourceType, 'snapshot');
      // An ephemeral model is no relation: the connector writes none (dbt-ol may name it as a dataset).
      assert.equal(assets.get(`${db.base}.staging.paid_orders`)?.attributes['dbt'], undefined);

      // Model lineage from depends_on, through the ephemeral model.
      const gql = server.http(await server.token(tenant, 'viewer'));
      const upstream = await gql.request<{
        lineage: { edges: { from: { qualifiedName: string }; to: { qualifiedName: string }; process: { qualifiedName: string } | null }[] };
      }>(
        `query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 1) { edges { from { qualifiedName } to { qualifiedName } process { qualifiedName } } } }`,
        { q: revenue.qualifiedName },
      );
      assert.equal(upstream.errors, undefined, JSON.stringify(upstream.errors));
      const parents = new Set(upstream.data!.lineage.edges.map((e) => e.from.qualifiedName.slice(db.base.length + 1)));
      // Through any process: an edge dbt-ol drew first is not drawn again (dbt-ol names the ephemeral model as a dataset).
      for (const p of ['ref.regions', 'staging.stg_customers', 'staging.stg_orders'])
        assert.ok(parents.has(p), `${p} in ${[...parents].join(', ')}`);
      // dbt-ol's events named the same tables: its job's edges arrive through a PIPELINE, and the tables stay tables.
      const throughJobs = upstream.data!.lineage.edges.filter((e) => e.process !== null);
      assert.ok(throughJobs.length > 0, `dbt-ol's lineage for customer_revenue: ${JSON.stringify(upstream.data!.lineage.edges)}`);
      assert.ok(
        throughJobs.every((e) => e.process!.qualifiedName.startsWith('openlineage://dbt-shop/')),
        JSON.stringify(throughJobs),
      );
      assert.ok(throughJobs.some((e) => e.from.qualifiedName === a('staging.stg_customers').qualifiedName));

      // meta.contains_pii on the source → PII there, propagated down the models.
      const classified = async (name: string) =>
        (
          await gql.request<Classified>(`query($q: String!) { asset(qualifiedName: $q) { classifications { name propagated addedBy } } }`, {
            q: `${db.base}.${name}`,
          })
        ).data?.asset?.classifications ?? [];
      assert.deepEqual(await classified('raw.customers'), [{ name: 'PII', propagated: false, addedBy: 'transform:dbt-meta-contains-pii' }]);
      assert.deepEqual(
        (await classified('marts.customer_revenue')).map((c) => [c.name, c.propagated]),
        [['PII', true]],
      );
      assert.deepEqual(
        (await classified('staging.stg_customers.email')).map((c) => [c.name, c.propagated]),
        [['PII', false]],
      );

      // The failed test is an open incident on the model it tests.
      const incidents = async () =>
        (
          await gql.request<{ asset: { incidents: { title: string; status: string; source: string; type: string }[] } }>(
            `query($q: String!) { asset(qualifiedName: $q) { incidents { title status source type } } }`,
            { q: `${db.base}.staging.stg_orders` },
          )
        ).data!.asset.incidents;
      assert.deepEqual(await incidents(), [
        { title: 'dbt test accepted_values on status failed (1 failing rows)', status: 'OPEN', source: 'dbt', type: 'FIELD_HEALTH' },
      ]);

      // Unchanged artifacts: nothing to do.
      const again = await crawlCli('dbt', data.path, [
        '--tenant',
        tenant,
        ...artifacts,
        '--run-results',
        join(project.target, 'run_results.json'),
      ]);
      assert.deepEqual(again.run?.counts, {
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: dbtRun.run.counts.updated + dbtRun.run.counts.unchanged,
      });
      const warehouseAgain = await crawlCli('postgres', data.path, ['--tenant', tenant, '--url', db.url]);
      assert.equal(warehouseAgain.run?.counts.updated, 0, 'the two connectors never undo each other');

      // The data is fixed: the test passes again, and the incident is resolved.
      await db.sql(`UPDATE raw.orders SET status = 'paid' WHERE status = 'refunded'`);
      const passing = await project.run(['test']);
      assert.equal(passing.status, 0, passing.output);
      const resolved = await crawlCli('dbt', data.path, [
        '--tenant',
        tenant,
        ...artifacts,
        '--run-results',
        join(project.target, 'run_results.json'),
      ]);
      assert.equal(resolved.status, 0, resolved.stderr);
      assert.deepEqual(
        (await incidents()).map((i) => i.status),
        ['RESOLVED'],
      );

      // The project stops calling both PII; a steward had confirmed the source table's. The
      // column's goes with its tag; the confirmed one stays, and so does what it propagates.
      const steward = server.http(await server.token(tenant, 'steward'));
      const confirmed = await steward.request(`mutation($q: String!) { classify(qualifiedName: $q, classification: "PII") { added } }`, {
        q: `${db.base}.raw.customers`,
      });
      assert.deepEqual(confirmed.errors, undefined);
      const edit = (file: string, from: RegExp) => {
        const path = join(project.dir, 'models', file);
        const text = readFileSync(path, 'utf8');
        assert.match(text, from);
        writeFileSync(path, text.replace(from, ''));
      };
      edit('schema.yml', /\n {8}meta:\n {10}contains_pii: true/);
      edit('sources.yml', /\n {10}contains_pii: true/);
      const parsed = await project.run(['parse']);
      assert.equal(parsed.status, 0, parsed.output);
      const untagged = await crawlCli('dbt', data.path, ['--tenant', tenant, ...artifacts]);
      assert.equal(untagged.status, 0, untagged.stderr);
      assert.equal(untagged.run?.status, 'SUCCEEDED');
      assert.deepEqual(await classified('staging.stg_customers.email'), []);
      assert.deepEqual(
        (await classified('raw.customers')).map((c) => [c.name, c.propagated, c.addedBy]),
        [['PII', false, `dev:steward@${tenant}`]],
      );
      assert.deepEqual(
        (await classified('marts.customer_revenue')).map((c) => [c.name, c.propagated]),
        [['PII', true]],
      );
    } finally {
      project.remove();
    }
  });

  it('fails the run on an artifact of another dbt schema version, a corrupt or a missing file, says which, and deletes nothing', async () => {
    const db = await freshDatabase(RAW);
    const tenant = uniqueTenant('dbt');
    const project = shopProject(db.name);
    const dir = tempDir('metalake-dbt-bad-');
    try {
      assert.equal((await project.run(['seed'])).status, 0);
      assert.equal((await project.run(['run'])).status, 0);
      const manifest = join(project.target, 'manifest.json');
      const ok = await crawlCli('dbt', data.path, ['--tenant', tenant, '--manifest', manifest]);
      assert.equal(ok.status, 0, ok.stderr);
      const before = await assetsUnder(server, tenant, 'dbt://shop');
      assert.ok(before.size > 10, 'without a crawled warehouse the relations are named under dbt://shop');

      const old = join(dir.path, 'manifest-v5.json');
      writeFileSync(
        old,
        JSON.stringify({
          metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v5.json', project_name: 'shop' },
          nodes: {},
          sources: {},
        }),
      );
      const versioned = await crawlCli('dbt', data.path, ['--tenant', tenant, '--manifest', old]);
      assert.equal(versioned.status, 1);
      assert.match(
        versioned.run!.errors[0] ?? '',
        /^SOURCE_INVALID: manifest .*manifest-v5\.json has dbt schema version .*v5\.json; this connector reads v9, v10, v11, v12/,
      );

      const corrupt = join(dir.path, 'manifest.json');
      copyFileSync(manifest, corrupt);
      writeFileSync(
        corrupt,
        '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "project_name": "shop"}, "nodes": {',
      );
      const broken = await crawlCli('dbt', data.path, ['--tenant', tenant, '--manifest', corrupt]);
      assert.equal(broken.status, 1);
      assert.match(broken.run!.errors[0] ?? '', /^SOURCE_INVALID: manifest .* is not JSON \(corrupt or truncated\)/);

      const missingCatalog = await crawlCli('dbt', data.path, [
        '--tenant',
        tenant,
        '--manifest',
        manifest,
        '--catalog',
        join(dir.path, 'nope.json'),
      ]);
      assert.equal(missingCatalog.status, 1);
      assert.match(missingCatalog.run!.errors[0] ?? '', /^SOURCE_UNREACHABLE: catalog .*nope\.json: ENOENT/);

      const after = await assetsUnder(server, tenant, 'dbt://shop');
      assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'nothing deleted');
    } finally {
      project.remove();
      dir.remove();
    }
  });
});
