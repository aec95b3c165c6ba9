// The HTTP sources and the import CLI in embedded mode (events applied in-process), called as
// their real clients call them: OpenLineage's HTTP transport, Monte Carlo's webhook, a JSONL file.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importFile } from '../../src/cli/import.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { pythonUrlencode } from '../../src/streams/sources/python.js';
import { pythonUrlencodeOf } from '../support/python.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { uniqueTenant } from '../support/fixtures.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'openlineage', name), 'utf8')) as Record<string, unknown>;
const MC_SECRET = 'mc-shared-secret-123';

describe('ingest sources (embedded)', () => {
  let server: TestServer;
  let base: string;
  const signedTenant = uniqueTenant('mc');
  before(async () => {
    server = await startTestServer({
      MONTE_CARLO_TENANTS: JSON.stringify({ [signedTenant]: { secret: MC_SECRET, namespace: 'snowflake://acme/' } }),
    });
    base = server.url.replace(/\/graphql$/, '');
  });
  after(async () => server.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  describe('OpenLineage: POST /api/v1/lineage', () => {
    it('answers the spec’s run events with 201 and turns them into a pipeline, datasets, columns and lineage', async () => {
      const t = uniqueTenant('ol');
      const auth = { authorization: `Bearer ${await server.token(t, 'ingest')}` };
      const start = await post('/api/v1/lineage', JSON.stringify(fixture('start.json')), auth);
      assert.equal(start.status, 201);
      assert.equal(await start.text(), '');
      const complete = await post('/api/v1/lineage', JSON.stringify(fixture('complete.json')), auth);
      assert.equal(complete.status, 201, await complete.clone().text());
      // Sent twice (the transport retries): nothing changes.
      assert.equal((await post('/api/v1/lineage', JSON.stringify(fixture('complete.json')), auth)).status, 201);

      const gql = server.http(await server.token(t, 'viewer'));
      const result = await gql.request<{
        lineage: {
          nodes: { qualifiedName: string; kind: string; version: number }[];
          edges: { from: { qualifiedName: string }; to: { qualifiedName: string } }[];
        };
      }>(
        `{ lineage(qualifiedName: "postgres://db.example.com:5432/shop.public.customers.email", depth: 2) { nodes { qualifiedName kind version } edges { from { qualifiedName } to { qualifiedName } } } }`,
      );
      assert.deepEqual(result.errors, undefined);
      assert.deepEqual(
        result.data?.lineage.edges.map((e) => `${e.from.qualifiedName} -> ${e.to.qualifiedName}`),
        ['postgres://db.example.com:5432/shop.public.customers.email -> bigquery://analytics.marts.customer_emails.email_address'],
      );
      const pipeline = await gql.request<{ asset: { kind: string; name: string } }>(
        `{ asset(qualifiedName: "openlineage://my-scheduler-namespace/myjob.mytask") { kind name } }`,
      );
      assert.deepEqual(pipeline.data?.asset, { kind: 'PIPELINE', name: 'myjob.mytask' });
      const table = await gql.request<{
        lineage: { edges: unknown[] };
        asset: { version: number; children: { edges: { node: { name: string } }[] } };
      }>(
        `{ lineage(qualifiedName: "postgres://db.example.com:5432/shop.public.customers") { edges { from { qualifiedName } } }
           asset(qualifiedName: "postgres://db.example.com:5432/shop.public.customers") { version children { edges { node { name } } } } }`,
      );
      assert.equal(table.data?.lineage.edges.length, 1);
      assert.equal(table.data?.asset.version, 1);
      assert.deepEqual(table.data?.asset.children.edges.map((e) => e.node.name).sort(), ['address', 'address.city', 'email', 'id']);
    });

    it('makes a run’s lineage real only once it moved data: START→FAIL/ABORT leave none, START→COMPLETE all of it, in any delivery order', async () => {
      const t = uniqueTenant('ol');
      const auth = { authorization: `Bearer ${await server.token(t, 'ingest')}` };
      const gql = server.http(await server.token(t, 'viewer'));
      const ds = (name: string, columns: string[] = [], lineage?: Record<string, string>) => ({
        namespace: 'postgres://db:5432',
        name,
        facets: {
          ...(columns.length > 0
            ? {
                schema: {
                  _producer: 'https://example.com/producer',
                  _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
                  fields: columns.map((c) => ({ name: c })),
                },
              }
            : {}),
          ...(lineage
            ? {
                columnLineage: {
                  _producer: 'https://example.com/producer',
                  _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
                  fields: Object.fromEntries(
                    Object.entries(lineage).map(([to, from]) => [
                      to,
                      { inputFields: [{ namespace: 'postgres://db:5432', name: from.split('#')[0]!, field: from.split('#')[1]! }] },
                    ]),
                  ),
                },
              }
            : {}),
        },
      });
      const send = async (runId: string, eventType: string, job: string, inputs: unknown[], outputs: unknown[]) => {
        const r = await post(
          '/api/v1/lineage',
          JSON.stringify({
            eventType,
            eventTime: new Date().toISOString(),
            run: { runId },
            job: { namespace: 'airflow', name: job },
            inputs,
            outputs,
            producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/client/python',
            schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
          }),
          auth,
        );
        assert.equal(r.status, 201, await r.clone().text());
      };
      const upstreamOf = async (name: string) => {
        const r = await gql.request<{ lineage: { edges: { from: { qualifiedName: string }; to: { qualifiedName: string } }[] } | null }>(
          'query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 1) { edges { from { qualifiedName } to { qualifiedName } } } }',
          { q: `postgres://db:5432/${name}` },
        );
        assert.deepEqual(r.errors, undefined);
        return (r.data?.lineage?.edges ?? []).map((e) => e.from.qualifiedName.replace('postgres://db:5432/', '')).sort();
      };
      const src = ds('shop.src', ['id']);
      // START then FAIL, and START then ABORT: the datasets are catalogued, no lineage, columns neither.
      const failed = randomUUID();
      await send(failed, 'START', 'failing', [src], [ds('shop.failed', ['id'], { id: 'shop.src#id' })]);
      await send(failed, 'FAIL', 'failing', [], []);
      const aborted = randomUUID();
      await send(aborted, 'START', 'aborting', [src], [ds('shop.aborted')]);
      await send(aborted, 'ABORT', 'aborting', [src], [ds('shop.aborted')]);
      // START names the input and the column lineage, COMPLETE only the output: all of it is lineage.
      const completed = randomUUID();
      await send(completed, 'START', 'completing', [src], [ds('shop.done', ['id'], { id: 'shop.src#id' })]);
      assert.deepEqual(await upstreamOf('shop.done'), [], 'START alone is not lineage');
      await send(completed, 'COMPLETE', 'completing', [], [ds('shop.done')]);
      // Out of order: COMPLETE arrives before START (whose input is added then); FAIL before START (nothing, ever).
      const late = randomUUID();
      await send(late, 'COMPLETE', 'late', [], [ds('shop.late')]);
      await send(late, 'START', 'late', [ds('shop.other')], [ds('shop.late')]);
      const lateFail = randomUUID();
      await send(lateFail, 'FAIL', 'late-fail', [], []);
      await send(lateFail, 'START', 'late-fail', [src], [ds('shop.late_fail')]);
      await send(lateFail, 'COMPLETE', 'late-fail', [src], [ds('shop.late_fail')]);

      assert.deepEqual(await upstreamOf('shop.done'), ['shop.src']);
      assert.deepEqual(await upstreamOf('shop.done.id'), ['shop.src.id']);
      assert.deepEqual(await upstreamOf('shop.late'), ['shop.other']);
      for (const name of ['shop.failed', 'shop.failed.id', 'shop.aborted', 'shop.late_fail'])
        assert.deepEqual(await upstreamOf(name), [], name);
      const known = await gql.request<{ assets: { totalCount: number } }>('{ assets(filter: { kinds: [DATASET] }) { totalCount } }');
      assert.equal(known.data?.assets.totalCount, 7, 'every dataset is catalogued, failed runs’ ones too');
    });

    it('maps the TagsDatasetFacet (dataset and field tags) and the TagsJobFacet to classifications by the tag rules', async () => {
      const t = uniqueTenant('tags');
      const auth = { authorization: `Bearer ${await server.token(t, 'ingest')}` };
      const facet = { _producer: 'https://example.com/p', _schemaURL: 'https://openlineage.io/spec/facets/2-0-3/TagsDatasetFacet.json' };
      const event = {
        eventType: 'COMPLETE',
        eventTime: '2026-12-01T10:00:00.000Z',
        producer: 'https://example.com/p',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: randomUUID() },
        job: {
          namespace: 'spark-prod',
          name: 'load_customers',
          facets: {
            tags: {
              ...facet,
              _schemaURL: 'https://openlineage.io/spec/facets/2-0-3/TagsJobFacet.json',
              tags: [{ key: 'pii', value: 'true', source: 'SPARK' }],
            },
          },
        },
        inputs: [],
        outputs: [
          {
            namespace: 'postgres://db.example.com:5432',
            name: 'crm.public.customers',
            facets: {
              schema: {
                ...facet,
                _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json',
                fields: [
                  { name: 'email', type: 'text' },
                  { name: 'name', type: 'text' },
                ],
              },
              tags: {
                ...facet,
                tags: [
                  { key: 'PII', value: 'true', source: 'USER' },
                  { key: 'contains_pii', value: 'true', field: 'email' },
                  { key: 'pii', value: 'false', field: 'name' },
                  { key: 'phone', value: 'true', field: 'phone' },
                ],
              },
            },
          },
        ],
      };
      const res = await post('/api/v1/lineage', JSON.stringify(event), auth);
      assert.equal(res.status, 201, await res.clone().text());
      const gql = server.http(await server.token(t, 'viewer'));
      const of = async (q: string) =>
        (
          await gql.request<{ asset: { classifications: { name: string; addedBy: string }[] } | null }>(
            `query($q: String!) { asset(qualifiedName: $q) { classifications { name addedBy } } }`,
            { q },
          )
        ).data?.asset?.classifications ?? [];
      const table = 'postgres://db.example.com:5432/crm.public.customers';
      assert.deepEqual(await of(table), [{ name: 'PII', addedBy: 'transform:tag-pii' }]);
      assert.deepEqual(await of(`${table}.email`), [{ name: 'PII', addedBy: 'transform:dbt-meta-contains-pii' }]);
      // A tag whose value says no, and one no rule matches, classify nothing.
      assert.deepEqual(await of(`${table}.name`), []);
      assert.deepEqual(await of('openlineage://spark-prod/load_customers'), [{ name: 'PII', addedBy: 'transform:tag-pii' }]);

      const bad = structuredClone<typeof event>(event);
      (bad.outputs[0]!.facets.tags.tags as unknown[]).push({ key: 'no-value' });
      const refused = await post('/api/v1/lineage', JSON.stringify(bad), auth);
      assert.equal(refused.status, 422);
      assert.match(await refused.text(), /facets\.tags/);
    });

    it('acts on column lineage’s masking: a maskable classification stops at a masked column, with the reason; others cross', async () => {
      const t = uniqueTenant('mask');
      const auth = { authorization: `Bearer ${await server.token(t, 'ingest')}` };
      const steward = server.http(await server.token(t, 'steward'));
      const define = await steward.request<{ defineClassification: { name: string; maskable: boolean } }>(
        `mutation { defineClassification(input: { name: "PII", maskable: true }) { name maskable } }`,
      );
      assert.deepEqual(define.data?.defineClassification, { name: 'PII', maskable: true }, JSON.stringify(define.errors));
      await steward.request(`mutation { defineClassification(input: { name: "GDPR" }) { name } }`);
      const producer = 'https://example.com/p';
      const schemaFacet = (...names: string[]) => ({
        _producer: producer,
        _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json',
        fields: names.map((name) => ({ name, type: 'text' })),
      });
      const email = { namespace: 'postgres://db.example.com:5432', name: 'crm.public.customers', field: 'email' };
      const direct = (subtype: string, masking?: boolean) => ({ type: 'DIRECT', subtype, ...(masking === undefined ? {} : { masking }) });
      const event = {
        eventType: 'COMPLETE',
        eventTime: '2026-12-02T10:00:00.000Z',
        producer,
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: randomUUID() },
        job: { namespace: 'spark-prod', name: 'hash_emails' },
        inputs: [{ namespace: email.namespace, name: email.name, facets: { schema: schemaFacet('email') } }],
        outputs: [
          {
            namespace: 'postgres://db.example.com:5432',
            name: 'mart.public.contacts',
            facets: {
              schema: schemaFacet('email_hash', 'email_copy', 'email_domain', 'legacy_hash'),
              columnLineage: {
                _producer: producer,
                _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json',
                fields: {
                  email_hash: { inputFields: [{ ...email, transformations: [direct('TRANSFORMATION', true)] }] },
                  email_copy: { inputFields: [{ ...email, transformations: [direct('IDENTITY')] }] },
                  // One masked use and one that is not: the data still flows.
                  email_domain: {
                    inputFields: [{ ...email, transformations: [direct('TRANSFORMATION', true), direct('TRANSFORMATION', false)] }],
                  },
                  // Producers of the 1-0 facet said it per field.
                  legacy_hash: { inputFields: [email], transformationType: 'MASKED' },
                },
              },
            },
          },
        ],
      };
      const res = await post('/api/v1/lineage', JSON.stringify(event), auth);
      assert.equal(res.status, 201, await res.clone().text());
      const source = `${email.namespace}/${email.name}.email`;
      for (const c of ['PII', 'GDPR']) {
        const r = await steward.request(
          `mutation($q: String!, $c: String!) { classify(qualifiedName: $q, classification: $c) { added } }`,
          {
            q: source,
            c,
          },
        );
        assert.deepEqual(r.errors, undefined);
      }
      const gql = server.http(await server.token(t, 'viewer'));
      const lineage = await gql.request<{ lineage: { edges: { to: { name: string }; masking: boolean }[] } }>(
        `query($q: String!) { lineage(qualifiedName: $q, depth: 1) { edges { to { name } masking } } }`,
        { q: source },
      );
      assert.deepEqual(lineage.data?.lineage.edges.map((e) => `${e.to.name}:${e.masking}`).sort(), [
        'email_copy:false',
        'email_domain:false',
        'email_hash:true',
        'legacy_hash:true',
      ]);
      const shown = async (column: string, includeBlocked: boolean) => {
        const r = await gql.request<{
          asset: { classifications: { name: string; blocked: boolean; blockReason: string | null; sources: { name: string }[] }[] };
        }>(
          `query($q: String!, $b: Boolean) { asset(qualifiedName: $q) { classifications(includeBlocked: $b) { name blocked blockReason sources { name } } } }`,
          { q: `postgres://db.example.com:5432/mart.public.contacts.${column}`, b: includeBlocked },
        );
        assert.deepEqual(r.errors, undefined);
        return r.data?.asset.classifications.map(
          (c) => `${c.name}${c.blocked ? `:${c.blockReason}` : ''}<${c.sources.map((s) => s.name).join(',')}`,
        );
      };
      assert.deepEqual(await shown('email_hash', true), ['GDPR<email', 'PII:MASKING<email']);
      assert.deepEqual(await shown('email_hash', false), ['GDPR<email']);
      assert.deepEqual(await shown('legacy_hash', true), ['GDPR<email', 'PII:MASKING<email']);
      assert.deepEqual(await shown('email_copy', true), ['GDPR<email', 'PII<email']);
      assert.deepEqual(await shown('email_domain', true), ['GDPR<email', 'PII<email']);
    });

    it('answers 422 for an event missing required fields, 400 for a body that is not JSON, 401/403 for the wrong caller', async () => {
      const t = uniqueTenant('ol');
      const auth = { authorization: `Bearer ${await server.token(t, 'ingest')}` };
      const { run: _run, ...noRun } = fixture('start.json');
      const invalid = await post('/api/v1/lineage', JSON.stringify({ ...noRun, eventTime: 'yesterday' }), auth);
      assert.equal(invalid.status, 422);
      const body = (await invalid.json()) as { error: { code: string; details: string[] } };
      assert.equal(body.error.code, 'BAD_USER_INPUT');
      assert.ok(
        body.error.details.some((d) => d.includes('run')),
        JSON.stringify(body),
      );
      assert.equal((await post('/api/v1/lineage', '{"eventType":', auth)).status, 400);
      assert.equal((await post('/api/v1/lineage', JSON.stringify(fixture('start.json')))).status, 401);
      assert.equal(
        (
          await post('/api/v1/lineage', JSON.stringify(fixture('start.json')), {
            authorization: `Bearer ${await server.token(t, 'viewer')}`,
          })
        ).status,
        403,
      );
      // A facet nested 200,000 levels deep: refused as a bad request before it is parsed, not "retry later".
      const deepFacet = JSON.stringify({
        ...fixture('start.json'),
        outputs: [{ namespace: 'postgres://db:5432', name: 'shop.public.orders', facets: { custom: 'HOLE' } }],
      }).replace('"HOLE"', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
      const tooDeep = await post('/api/v1/lineage', deepFacet, auth);
      assert.equal(tooDeep.status, 400);
      assert.match(JSON.stringify(await tooDeep.json()), /"code":"BAD_REQUEST".*deeper than 64 levels/);
      // A lone surrogate is not text (found by the fuzz suite: it was a 503): refused, with where it is.
      const lone = await post(
        '/api/v1/lineage',
        JSON.stringify({
          ...fixture('start.json'),
          outputs: [
            { namespace: 'postgres://db:5432', name: 'shop.public.orders' },
            { namespace: '\ud800', name: '' },
          ],
        }),
        auth,
      );
      assert.equal(lone.status, 422);
      assert.match(JSON.stringify(await lone.json()), /"code":"BAD_USER_INPUT".*\/outputs\/1\/namespace must be well-formed Unicode/);
      const gql = server.http(await server.token(t, 'viewer'));
      assert.equal((await gql.request<{ assets: { totalCount: number } }>('{ assets { totalCount } }')).data?.assets.totalCount, 0);
      // The same rule on GraphQL: names, text and attributes.
      const editor = server.http(await server.token(t, 'editor'));
      for (const input of [
        { qualifiedName: 'pg://h/a\udc00', kind: 'TABLE' },
        { qualifiedName: 'pg://h/a', kind: 'TABLE', description: 'x\ud800' },
        { qualifiedName: 'pg://h/a', kind: 'TABLE', attributes: { ['k\ud800']: 1 } },
      ]) {
        const r = await editor.request('mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { created } }', { i: [input] });
        assert.deepEqual(
          r.errors?.map((e) => [e.extensions?.['code'], /well-formed Unicode/.test(e.message)]),
          [['BAD_USER_INPUT', true]],
          JSON.stringify(r.errors),
        );
      }
      assert.equal((await gql.request<{ assets: { totalCount: number } }>('{ assets { totalCount } }')).data?.assets.totalCount, 0);
    });
  });

  describe('Monte Carlo: POST /webhooks/monte-carlo/{tenant}', () => {
    const notification = (incidentId: string, table: string) =>
      JSON.stringify({
        account: { id: 'acc' },
        action: 'incident',
        type: 'open_anomaly_incident',
        version: 'v0.1',
        payload: {
          incident_id: incidentId,
          group_id: 'sales:public',
          url: `https://getmontecarlo.com/incidents/${incidentId}`,
          event_list: [{ event_details: 'Has 42 rows vs. 101 expected', table_name: table, type: 'size_anom' }],
        },
      });

    it('accepts a signed notification and attaches the incident to the table; a bad signature changes nothing', async () => {
      const steward = await server.token(signedTenant, 'steward');
      const gql = server.http(steward);
      await gql.request(
        'mutation { upsertAssets(input: [{ qualifiedName: "snowflake://acme/sales.public.orders", kind: TABLE }]) { results { status } } }',
      );
      const incidentId = randomUUID();
      const body = notification(incidentId, 'orders');
      // Monte Carlo signs Python's urlencode of the parsed body, not the bytes.
      const signature = createHmac('sha512', MC_SECRET).update(pythonUrlencode(body)).digest('hex');
      assert.equal((await post(`/webhooks/monte-carlo/${signedTenant}`, body, { 'x-mcd-signature': 'f'.repeat(128) })).status, 401);
      assert.equal((await post(`/webhooks/monte-carlo/${signedTenant}`, body)).status, 401);
      // Nested 200,000 levels deep (with a wrong signature): refused as a bad request, not "retry later".
      const deep = `{"action":"incident","payload":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      const tooDeep = await post(`/webhooks/monte-carlo/${signedTenant}`, deep, { 'x-mcd-signature': 'f'.repeat(128) });
      assert.deepEqual([tooDeep.status, ((await tooDeep.json()) as { error: { code: string } }).error.code], [400, 'BAD_REQUEST']);
      const incidents = async () =>
        (
          await gql.request<{
            incidents: { edges: { node: { externalId: string; type: string; assets: { qualifiedName: string }[] } }[] };
          }>('{ incidents { edges { node { externalId type assets { qualifiedName } } } } }')
        ).data?.incidents.edges ?? [];
      assert.equal((await incidents()).length, 0);
      const accepted = await post(`/webhooks/monte-carlo/${signedTenant}`, body, { 'x-mcd-signature': signature });
      assert.equal(accepted.status, 200, await accepted.clone().text());
      assert.deepEqual(
        (await incidents()).map((e) => e.node),
        [{ externalId: incidentId, type: 'VOLUME', assets: [{ qualifiedName: 'snowflake://acme/sales.public.orders' }] }],
      );
    });

    it('accepts notifications signed by real Python whose values hold floats, None/True and non-printable characters', async () => {
      const gql = server.http(await server.token(signedTenant, 'steward'));
      await gql.request(
        'mutation { upsertAssets(input: [{ qualifiedName: "snowflake://acme/sales.public.payments", kind: TABLE }]) { results { status } } }',
      );
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      const bodies = [
        {
          type: 'custom_rule_anom',
          event_details: 'Rule breached',
          data: { threshold: 'FLOAT100', ratio: 0.25, note: null, breached: true },
        },
        { type: 'size_anom', event_details: 'Has 42\u00a0rows' },
        { type: 'fresh_anom', event_details: 'late\u200b by\u2028 two hours' },
      ].map((entry, i) =>
        JSON.stringify({
          action: 'incident',
          type: 'open_anomaly_incident',
          payload: { incident_id: ids[i], group_id: 'sales:public', event_list: [{ ...entry, table_name: 'payments' }] },
        }).replace('"FLOAT100"', '100.0'),
      );
      const signed = pythonUrlencodeOf(bodies);
      for (const [i, body] of bodies.entries()) {
        const signature = createHmac('sha512', MC_SECRET).update(signed[i]!).digest('hex');
        const answer = await post(`/webhooks/monte-carlo/${signedTenant}`, body, { 'x-mcd-signature': signature });
        assert.equal(answer.status, 200, `${body}: ${await answer.text()}`);
      }
      const found = await gql.request<{ incidents: { edges: { node: { externalId: string } }[] } }>(
        '{ incidents(first: 100) { edges { node { externalId } } } }',
      );
      assert.deepEqual(
        ids.filter((id) => found.data?.incidents.edges.some((e) => e.node.externalId === id)),
        ids,
      );
    });

    it('without a configured secret wants a bearer token of that very tenant', async () => {
      const t = uniqueTenant('mc');
      const body = notification(randomUUID(), 'orders');
      assert.equal((await post(`/webhooks/monte-carlo/${t}`, body)).status, 401);
      assert.equal(
        (await post(`/webhooks/monte-carlo/${t}`, body, { authorization: `Bearer ${await server.token(uniqueTenant(), 'ingest')}` }))
          .status,
        403,
      );
      // The right tenant, but the table is not catalogued: refused, with the reason.
      const unknown = await post(`/webhooks/monte-carlo/${t}`, body, { authorization: `Bearer ${await server.token(t, 'ingest')}` });
      assert.equal(unknown.status, 422);
      assert.match(JSON.stringify(await unknown.json()), /none of its assets is known/);
    });
  });

  describe('import CLI', () => {
    it('applies a JSON-lines file, reports invalid and refused lines by number, and changes nothing when run again', async () => {
      const t = uniqueTenant('imp');
      const file = join(server.app.config.dataDir, `events-${t}.jsonl`);
      writeFileSync(
        file,
        [
          JSON.stringify({ type: 'metalake.asset.upserted.v1', data: { qualifiedName: 'pg://h/db', kind: 'DATABASE' } }),
          JSON.stringify({
            specversion: '1.0',
            id: 'x-1',
            source: 'extractor',
            type: 'metalake.asset.upserted.v2',
            tenant: t,
            data: { qualifiedName: 'pg://h/db.t', kind: 'TABLE', parent: { qualifiedName: 'pg://h/db' }, columns: [{ name: 'c' }] },
          }),
          'not json',
          JSON.stringify({ type: 'metalake.lineage.added.v1', data: { from: 'pg://h/db.t', to: 'pg://h/nowhere' } }),
          '',
          JSON.stringify({ type: 'metalake.asset.upserted.v1', lane: 'fast', data: { qualifiedName: 'pg://h/db.u', kind: 'TABLE' } }),
          JSON.stringify({
            type: 'metalake.asset.upserted.v1',
            lane: 'bulk',
            data: { qualifiedName: 'pg://h/db.t.d', kind: 'COLUMN', parentQualifiedName: 'pg://h/db.t' },
          }),
        ].join('\n'),
      );
      const config = server.app.config;
      const first = await importFile(config, { file, tenant: t, batch: 2, progress: false });
      assert.equal(first.accepted, 3, 'a line may name its lane');
      assert.deepEqual(
        first.invalid.map((i) => [i.line, i.message.startsWith('not JSON') || i.message]),
        [
          [3, true],
          [6, 'unknown lane "fast": accepted: priority, bulk'],
        ],
      );
      assert.deepEqual(
        first.refused.map((r) => r.line),
        [4],
      );
      const again = await importFile(config, { file, tenant: t, batch: 100, progress: false });
      assert.equal(again.accepted, 3);
      const gql = server.http(await server.token(t, 'viewer'));
      const asset = await gql.request<{ asset: { version: number; children: { totalCount: number } } }>(
        '{ asset(qualifiedName: "pg://h/db.t") { version children { totalCount } } }',
      );
      assert.deepEqual(asset.data?.asset, { version: 1, children: { totalCount: 2 } });
    });
  });
});
