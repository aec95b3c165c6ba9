// End to end: a real server, real GraphQL clients over HTTP (graphql-http) and websocket (graphql-ws).
// Run once per store adapter (api.test.ts on the embedded store, neo4j-kafka.test.ts on Neo4j).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueTenant, until } from '../support/fixtures.js';
import { TEST_SECRET, type TestServer, startTestServer } from '../support/server.js';

let server: TestServer;

/** The whole API through real clients, against a server configured by `env` (e.g. STORE=neo4j). */
export function apiSuite(label: string, env: () => Record<string, string>): void {
  describe(`GraphQL API on the ${label} store`, () => {
    before(async () => {
      server = await startTestServer(env());
    });
    after(async () => server.close());

    const codes = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);

    const UPSERT = `mutation($input: [AssetInput!]!) { upsertAssets(input: $input) { created updated unchanged results { status asset { id qualifiedName version } } } }`;
    const ADD_LINEAGE = `mutation($edges: [LineageEdgeInput!]!) { addLineage(edges: $edges) { changed edges { from { qualifiedName } to { qualifiedName } } } }`;
    const DEFINE = `mutation($name: String!) { defineClassification(input: { name: $name, propagateByDefault: true }) { name } }`;
    const CLASSIFY = `mutation($qn: String!, $c: String!) { classify(qualifiedName: $qn, classification: $c) { added removed } }`;

    /** A tenant with a warehouse table, its columns, and a chain of `n` downstream tables. */
    async function estate(tenant: string, n = 3) {
      const admin = server.http(await server.token(tenant, 'admin'));
      const tables = Array.from({ length: n + 1 }, (_, i) => `pg://db/${tenant}.public.t${i}`);
      const up = await admin.request(UPSERT, {
        input: [
          { qualifiedName: `pg://db/${tenant}`, kind: 'DATABASE', name: tenant },
          { qualifiedName: `pg://db/${tenant}.public`, kind: 'SCHEMA', parentQualifiedName: `pg://db/${tenant}` },
          ...tables.map((qn, i) => ({
            qualifiedName: qn,
            kind: 'TABLE',
            description: `table number ${i}`,
            owners: ['team@acme.io'],
            parentQualifiedName: `pg://db/${tenant}.public`,
          })),
          { qualifiedName: `${tables[0]}.email`, kind: 'COLUMN', parentQualifiedName: tables[0], attributes: { dataType: 'VARCHAR' } },
        ],
      });
      assert.deepEqual(up.errors, undefined);
      if (n > 0) {
        const lin = await admin.request(ADD_LINEAGE, { edges: tables.slice(1).map((qn, i) => ({ from: tables[i], to: qn })) });
        assert.deepEqual(lin.errors, undefined);
      }
      await admin.request(DEFINE, { name: 'PII' });
      return { admin, tables };
    }

    describe('authentication and roles', () => {
      it('rejects a missing, a malformed and an expired token with UNAUTHENTICATED', async () => {
        assert.deepEqual(codes(await server.http(null).request('{ me { tenant } }')), ['UNAUTHENTICATED']);
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
          body: JSON.stringify({ query: '{ me { tenant } }' }),
        });
        assert.equal(res.status, 401);
        assert.deepEqual(codes((await res.json()) as never), ['UNAUTHENTICATED']);
        const { mintDevToken } = await import('../../src/auth/tokens.js');
        const { loadConfig } = await import('../../src/config.js');
        const jwt = loadConfig({ JWT_SECRET: TEST_SECRET, DATA_DIR: server.app.config.dataDir }).jwt;
        // Expired two minutes ago: beyond the server's clock tolerance.
        const expired = await mintDevToken(jwt, { tenant: 'x', roles: ['admin'], ttlSeconds: -120 });
        const r = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${expired}` },
          body: JSON.stringify({ query: '{ me { tenant } }' }),
        });
        assert.equal(r.status, 401);
        assert.match(JSON.stringify(await r.json()), /expired/i);
      });

      it('reports who the caller is', async () => {
        const t = uniqueTenant();
        const r = await server
          .http(await server.token(t, 'steward', 'viewer'))
          .request<{ me: { tenant: string; roles: string[] } }>('{ me { tenant roles subject } }');
        assert.equal(r.data?.me.tenant, t);
        assert.deepEqual(new Set(r.data?.me.roles), new Set(['STEWARD', 'VIEWER']));
        const perms = async (...roles: ('viewer' | 'editor' | 'steward')[]) =>
          (await server.http(await server.token(t, ...roles)).request<{ me: { permissions: string[] } }>('{ me { permissions } }')).data?.me
            .permissions;
        assert.deepEqual(await perms('viewer'), ['graph:read']);
        assert.deepEqual(
          new Set(await perms('editor', 'viewer')),
          new Set(['graph:read', 'asset:write', 'lineage:write', 'incident:write']),
        );
        assert.ok((await perms('steward'))?.includes('classification:write'));
        const res = await fetch(server.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await server.token(t, 'viewer')}`,
            'x-request-id': 'trace-42',
          },
          body: JSON.stringify({ query: '{ me { tenant } }' }),
        });
        assert.equal(res.headers.get('x-request-id'), 'trace-42');
      });

      it('lets each role do exactly what it may', async () => {
        const t = uniqueTenant();
        const { tables } = await estate(t, 1);
        const as = async (role: 'viewer' | 'editor' | 'steward' | 'ingest' | 'admin') => server.http(await server.token(t, role));
        const read = `{ asset(qualifiedName: "${tables[0]}") { name } }`;
        const upsert = (name: string) =>
          [
            UPSERT,
            { input: [{ qualifiedName: `pg://db/${t}.public.${name}`, kind: 'TABLE', parentQualifiedName: `pg://db/${t}.public` }] },
          ] as const;
        const classify = [CLASSIFY, { qn: tables[0], c: 'PII' }] as const;
        const expect = async (
          role: 'viewer' | 'editor' | 'steward' | 'ingest' | 'admin',
          allowed: { read: boolean; write: boolean; classify: boolean },
        ) => {
          const c = await as(role);
          assert.deepEqual(codes(await c.request(read)), allowed.read ? [] : ['FORBIDDEN'], `${role} read`);
          assert.deepEqual(codes(await c.request(...upsert(`by_${role}`))), allowed.write ? [] : ['FORBIDDEN'], `${role} write`);
          assert.deepEqual(codes(await c.request(...classify)), allowed.classify ? [] : ['FORBIDDEN'], `${role} classify`);
        };
        await expect('viewer', { read: true, write: false, classify: false });
        await expect('editor', { read: true, write: true, classify: false });
        await expect('steward', { read: true, write: true, classify: true });
        await expect('ingest', { read: false, write: true, classify: false });
        await expect('admin', { read: true, write: true, classify: true });
        const viewer = await as('viewer');
        const created = await viewer.request<{ assets: { totalCount: number } }>(
          `{ assets(filter: { qualifiedNamePrefix: "pg://db/${t}.public.by_" }) { totalCount } }`,
        );
        assert.equal(created.data?.assets.totalCount, 4);
      });
    });

    describe('tenancy', () => {
      it('shows another tenant’s data as missing, everywhere', async () => {
        const [a, b] = [uniqueTenant('a'), uniqueTenant('b')];
        const { admin, tables } = await estate(a, 1);
        await admin.request(CLASSIFY, { qn: tables[0], c: 'PII' });
        const id = (await admin.request<{ asset: { id: string } }>(`{ asset(qualifiedName: "${tables[0]}") { id } }`)).data!.asset.id;
        const intruder = server.http(await server.token(b, 'admin'));
        const r = await intruder.request<
          Record<string, unknown>
        >(`{ byId: asset(id: "${id}") { name } byName: asset(qualifiedName: "${tables[0]}") { name }
      assets { totalCount } search(query: "table") { total } classificationTypes { name } incidents { totalCount } }`);
        assert.deepEqual(r.data, {
          byId: null,
          byName: null,
          assets: { totalCount: 0 },
          search: { total: 0 },
          classificationTypes: [],
          incidents: { totalCount: 0 },
        });
        assert.deepEqual(codes(await intruder.request(`{ lineage(qualifiedName: "${tables[0]}") { nodes { name } } }`)), ['NOT_FOUND']);
        assert.deepEqual(
          codes(await intruder.request(`mutation { declassify(qualifiedName: "${tables[0]}", classification: "PII") { removed } }`)),
          ['NOT_FOUND'],
        );
        assert.deepEqual(codes(await intruder.request(ADD_LINEAGE, { edges: [{ from: tables[0], to: tables[1] }] })), ['BAD_USER_INPUT']);
        const still = await admin.request<{ asset: { classifications: { name: string }[] } }>(
          `{ asset(qualifiedName: "${tables[0]}") { classifications { name } } }`,
        );
        assert.deepEqual(still.data?.asset.classifications, [{ name: 'PII' }]);
      });
    });

    describe('the graph over GraphQL', () => {
      it("counts immediate neighbours without fetching them, and pages a node's edges with first", async () => {
        const t = uniqueTenant();
        const { admin, tables } = await estate(t, 0);
        const fan = Array.from({ length: 5 }, (_, i) => `pg://db/${t}.public.f${i}`);
        assert.equal((await admin.request(UPSERT, { input: fan.map((qn) => ({ qualifiedName: qn, kind: 'TABLE' })) })).errors, undefined);
        assert.equal((await admin.request(ADD_LINEAGE, { edges: fan.map((to) => ({ from: tables[0], to })) })).errors, undefined);
        const q = `query($qn: String!) { asset(qualifiedName: $qn) { downstreamCount upstreamCount downstream(first: 2) { to { qualifiedName } } } }`;
        const root = await server
          .http(await server.token(t, 'viewer'))
          .request<{ asset: { downstreamCount: number; upstreamCount: number; downstream: { to: { qualifiedName: string } }[] } }>(q, {
            qn: tables[0],
          });
        assert.equal(root.errors, undefined);
        assert.equal(root.data?.asset.downstreamCount, 5);
        assert.equal(root.data?.asset.upstreamCount, 0);
        assert.equal(root.data?.asset.downstream.length, 2);
        const leaf = await admin.request<{ asset: { downstreamCount: number; upstreamCount: number } }>(q, { qn: fan[3] });
        assert.deepEqual([leaf.data?.asset.downstreamCount, leaf.data?.asset.upstreamCount], [0, 1]);
        const bad = await admin.request(`query($qn: String!) { asset(qualifiedName: $qn) { downstream(first: 0) { to { name } } } }`, {
          qn: tables[0],
        });
        assert.deepEqual(codes(bad), ['BAD_USER_INPUT']);
      });

      it('upserts idempotently, draws lineage with propagated classifications and sources, and keeps history', async () => {
        const t = uniqueTenant();
        const { admin, tables } = await estate(t, 3);
        const again = await admin.request<{ upsertAssets: { unchanged: number } }>(UPSERT, {
          input: [
            {
              qualifiedName: tables[0],
              kind: 'TABLE',
              description: 'table number 0',
              owners: ['team@acme.io'],
              parentQualifiedName: `pg://db/${t}.public`,
            },
          ],
        });
        assert.equal(again.data?.upsertAssets.unchanged, 1);
        await admin.request(CLASSIFY, { qn: tables[0], c: 'PII' });
        const g = await admin.request<{
          lineage: {
            truncated: boolean;
            nodes: {
              qualifiedName: string;
              classifications: { name: string; propagated: boolean; sources: { qualifiedName: string }[] }[];
            }[];
            edges: unknown[];
          };
        }>(
          `query($qn: String!) { lineage(qualifiedName: $qn, depth: 2) { truncated nodes { qualifiedName classifications { name propagated sources { qualifiedName } } } edges { from { qualifiedName } to { qualifiedName } } } }`,
          { qn: tables[0] },
        );
        assert.equal(g.data?.lineage.truncated, true);
        assert.deepEqual(
          g.data?.lineage.nodes.map((n) => n.qualifiedName),
          tables.slice(0, 3),
        );
        assert.equal(g.data?.lineage.edges.length, 2);
        assert.deepEqual(g.data?.lineage.nodes[2]?.classifications, [
          { name: 'PII', propagated: true, sources: [{ qualifiedName: tables[0] }] },
        ]);
        await admin.request(UPSERT, { input: [{ qualifiedName: tables[1], kind: 'TABLE', description: 'renamed' }] });
        const h = await admin.request<{
          asset: { version: number; parent: { name: string }; history: { edges: { node: { change: string; version: number } }[] } };
        }>(
          `{ asset(qualifiedName: "${tables[1]}") { version parent { name } history { edges { node { change version actor before after } } } } }`,
        );
        assert.equal(h.data?.asset.version, 2);
        assert.equal(h.data?.asset.parent.name, 'public');
        assert.deepEqual(
          h.data?.asset.history.edges.map((e) => [e.node.change, e.node.version]),
          [
            ['UPDATED', 2],
            ['CREATED', 1],
          ],
        );
      });

      it('pages connections with cursors', async () => {
        const t = uniqueTenant();
        await estate(t, 4);
        const viewer = server.http(await server.token(t, 'viewer'));
        const q = `query($after: String) { assets(filter: { kinds: [TABLE] }, first: 2, after: $after) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
        type Page = {
          assets: { totalCount: number; edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        };
        const names: string[] = [];
        let afterCursor: string | null = null;
        for (let i = 0; i < 5; i++) {
          const r: { data?: Page | null } = await viewer.request<Page>(q, { after: afterCursor });
          names.push(...r.data!.assets.edges.map((e) => e.node.name));
          assert.equal(r.data!.assets.totalCount, 5);
          if (!r.data!.assets.pageInfo.hasNextPage) break;
          afterCursor = r.data!.assets.pageInfo.endCursor;
        }
        assert.deepEqual(names, ['t0', 't1', 't2', 't3', 't4']);
        assert.deepEqual(codes(await viewer.request(q, { after: 'not-a-cursor!' })), ['BAD_USER_INPUT']);
      });

      it('deletes assets with their contents and reports what it removed', async () => {
        const t = uniqueTenant();
        const { admin, tables } = await estate(t, 1);
        const r = await admin.request<{ deleteAssets: { deleted: string[]; notFound: string[] } }>(
          `mutation($q: [String!]!) { deleteAssets(qualifiedNames: $q) { deleted notFound } }`,
          { q: [tables[0], 'pg://db/none'] },
        );
        assert.deepEqual(new Set(r.data?.deleteAssets.deleted), new Set([tables[0], `${tables[0]}.email`]));
        assert.deepEqual(r.data?.deleteAssets.notFound, ['pg://db/none']);
        const gone = await admin.request<{ asset: unknown }>(`{ asset(qualifiedName: "${tables[0]}") { name } }`);
        assert.equal(gone.data?.asset, null);
      });

      it('answers bad input with BAD_USER_INPUT and changes nothing', async () => {
        const t = uniqueTenant();
        const { admin, tables } = await estate(t, 1);
        const count = async () =>
          (await admin.request<{ assets: { totalCount: number } }>('{ assets { totalCount } }')).data!.assets.totalCount;
        const before = await count();
        const cases: [string, Record<string, unknown>][] = [
          [UPSERT, { input: [{ qualifiedName: 'pg://db/x', kind: 'SPREADSHEET' }] }],
          [UPSERT, { input: [{ qualifiedName: 'not qualified', kind: 'TABLE' }] }],
          [UPSERT, { input: Array.from({ length: 1001 }, (_, i) => ({ qualifiedName: `pg://db/x${i}`, kind: 'TABLE' })) }],
          [ADD_LINEAGE, { edges: [{ from: tables[0], to: 'pg://db/ghost' }] }],
          [CLASSIFY, { qn: tables[0], c: 'NEVER_DEFINED' }],
          [`query($d: Int!) { lineage(qualifiedName: "${tables[0]}", depth: $d) { truncated } }`, { d: 500 }],
        ];
        for (const [query, variables] of cases) {
          const r = await admin.request(query, variables);
          assert.deepEqual(
            codes(r),
            ['BAD_USER_INPUT'],
            `${query} ${JSON.stringify(variables).slice(0, 80)} → ${JSON.stringify(r.errors)}`,
          );
        }
        assert.equal(await count(), before);
      });

      it('reports incidents, updates them on re-delivery, and lists them per asset', async () => {
        const t = uniqueTenant();
        const { admin, tables } = await estate(t, 1);
        const report = `mutation($i: IncidentInput!) { reportIncident(input: $i) { id status severity assets { qualifiedName } } }`;
        const input = {
          externalId: 'mc-1',
          source: 'monte-carlo',
          type: 'FRESHNESS',
          severity: 'SEV2',
          title: 'late',
          assetQualifiedNames: [tables[0]],
        };
        const first = await admin.request<{ reportIncident: { id: string } }>(report, { i: input });
        const second = await admin.request<{ reportIncident: { id: string; severity: string } }>(report, {
          i: { ...input, severity: 'SEV1' },
        });
        assert.equal(second.data?.reportIncident.id, first.data?.reportIncident.id);
        assert.equal(second.data?.reportIncident.severity, 'SEV1');
        const ack = await admin.request<{ updateIncidentStatus: { status: string } }>(
          `mutation($id: ID!) { updateIncidentStatus(id: $id, status: ACKNOWLEDGED) { status } }`,
          { id: first.data?.reportIncident.id },
        );
        assert.equal(ack.data?.updateIncidentStatus.status, 'ACKNOWLEDGED');
        const list = await admin.request<{ incidents: { totalCount: number }; asset: { incidents: { title: string }[] } }>(
          `{ incidents(filter: { statuses: [ACKNOWLEDGED] }) { totalCount } asset(qualifiedName: "${tables[0]}") { incidents { title } } }`,
        );
        assert.equal(list.data?.incidents.totalCount, 1);
        assert.deepEqual(list.data?.asset.incidents, [{ title: 'late' }]);
        assert.deepEqual(codes(await admin.request(`mutation { updateIncidentStatus(id: "nope", status: RESOLVED) { id } }`)), [
          'NOT_FOUND',
        ]);
      });
    });

    describe('subscriptions over websocket', () => {
      it('delivers one classificationChanged event per assignment (N + 1), to the right tenant only', async () => {
        const [t, other] = [uniqueTenant('a'), uniqueTenant('b')];
        const { admin, tables } = await estate(t, 5);
        const enforcer = server.ws(await server.token(t, 'viewer'));
        const outsider = server.ws(await server.token(other, 'admin'));
        const q = `subscription($c: [String!]) { classificationChanged(classifications: $c) { eventId classification change propagated asset { qualifiedName } source { qualifiedName } at } }`;
        type E = {
          classificationChanged: {
            eventId: string;
            classification: string;
            propagated: boolean;
            change: string;
            asset: { qualifiedName: string };
            source: { qualifiedName: string } | null;
          };
        };
        const mine = enforcer.subscribe<E>(q, { c: ['PII'] });
        const filteredOut = enforcer.subscribe<E>(q, { c: ['GDPR'] });
        // An asset page's subscription: only the assets under a prefix (here the first table's columns).
        const columnsOfFirst = enforcer.subscribe<E>(
          `subscription($p: String) { classificationChanged(qualifiedNamePrefix: $p) { eventId classification change propagated asset { qualifiedName } source { qualifiedName } at } }`,
          { p: `${tables[0]}.` },
        );
        const theirs = outsider.subscribe<E>(q, {});
        await server.subscribed(t, 3);
        await server.subscribed(other, 1);
        const steward = server.http(await server.token(t, 'steward'));
        const r = await steward.request<{ classify: { added: number } }>(CLASSIFY, { qn: tables[0], c: 'PII' });
        assert.equal(r.data?.classify.added, 6);
        const events = (await mine.waitFor(6)).slice(0, 6);
        assert.equal(new Set(events.map((e) => e.classificationChanged.eventId)).size, 6);
        assert.deepEqual(new Set(events.map((e) => e.classificationChanged.asset.qualifiedName)), new Set(tables));
        const direct = events.filter((e) => !e.classificationChanged.propagated);
        assert.equal(direct.length, 1);
        assert.ok(
          events
            .filter((e) => e.classificationChanged.propagated)
            .every((e) => e.classificationChanged.source?.qualifiedName === tables[0]),
        );
        // Controls, written after: each subscription's first event other than those six is its control
        // (one subscription delivers in order), so nothing else reached it before.
        await admin.request(CLASSIFY, { qn: `${tables[0]}.email`, c: 'PII' });
        await admin.request(DEFINE, { name: 'GDPR' });
        await admin.request(CLASSIFY, { qn: `${tables[0]}.email`, c: 'GDPR' });
        const outsiderAdmin = server.http(await server.token(other, 'admin'));
        await outsiderAdmin.request(UPSERT, { input: [{ qualifiedName: 'pg://other/own', kind: 'TABLE' }] });
        await outsiderAdmin.request(DEFINE, { name: 'PII' });
        await outsiderAdmin.request(CLASSIFY, { qn: 'pg://other/own', c: 'PII' });
        const name = (e: E | undefined) => `${e?.classificationChanged.classification} ${e?.classificationChanged.asset.qualifiedName}`;
        assert.deepEqual((await mine.waitFor(7)).slice(6).map(name), [`PII ${tables[0]}.email`]);
        assert.deepEqual((await filteredOut.waitFor(1)).map(name), [`GDPR ${tables[0]}.email`]);
        assert.deepEqual((await columnsOfFirst.waitFor(2)).map(name), [`PII ${tables[0]}.email`, `GDPR ${tables[0]}.email`]);
        assert.deepEqual((await theirs.waitFor(1)).map(name), ['PII pg://other/own']);
      });

      it('refuses a subscription prefix longer than a qualified name, with BAD_USER_INPUT', async () => {
        const t = uniqueTenant();
        const ws = server.ws(await server.token(t, 'viewer'));
        for (const field of ['classificationChanged', 'assetChanged']) {
          const sub = ws.subscribe(`subscription($p: String) { ${field}(qualifiedNamePrefix: $p) { eventId } }`, { p: 'x'.repeat(2000) });
          await until(`${field} to be refused`, () => sub.errors.length > 0, 5_000);
          assert.match(JSON.stringify(sub.errors), /BAD_USER_INPUT/, field);
        }
        // The same connection still delivers a valid subscription's events (the positive control).
        const ok = ws.subscribe<{ assetChanged: { eventId: string } }>('subscription { assetChanged { eventId } }');
        await server.subscribed(t, 1);
        await server.http(await server.token(t, 'admin')).request(UPSERT, { input: [{ qualifiedName: `pg://db/${t}`, kind: 'DATABASE' }] });
        assert.equal((await ok.waitFor(1)).length, 1);
      });

      it('filters assetChanged by prefix and kind, and incidentChanged by severity', async () => {
        const t = uniqueTenant();
        const { admin, tables } = await estate(t, 0);
        const ws = server.ws(await server.token(t, 'viewer'));
        type A = { assetChanged: { eventId: string; change: string; version: number; asset: { qualifiedName: string } } };
        const columns = ws.subscribe<A>(
          `subscription($p: String) { assetChanged(qualifiedNamePrefix: $p, kinds: [COLUMN]) { eventId change version asset { qualifiedName } } }`,
          { p: tables[0] },
        );
        const sev1 = ws.subscribe<{ incidentChanged: { change: string; incident: { title: string } } }>(
          `subscription { incidentChanged(severities: [SEV1]) { change incident { title } } }`,
        );
        await server.subscribed(t, 2);
        await admin.request(UPSERT, {
          input: [
            { qualifiedName: `${tables[0]}.phone`, kind: 'COLUMN', parentQualifiedName: tables[0] },
            { qualifiedName: `pg://db/${t}.elsewhere`, kind: 'TABLE', parentQualifiedName: `pg://db/${t}.public` },
            { qualifiedName: `pg://db/${t}.elsewhere.col`, kind: 'COLUMN', parentQualifiedName: `pg://db/${t}.elsewhere` },
          ],
        });
        const report = `mutation($i: IncidentInput!) { reportIncident(input: $i) { id } }`;
        await admin.request(report, {
          i: { externalId: 'x1', source: 'mc', type: 'VOLUME', severity: 'SEV3', title: 'minor', assetQualifiedNames: [tables[0]] },
        });
        await admin.request(report, {
          i: { externalId: 'x2', source: 'mc', type: 'VOLUME', severity: 'SEV1', title: 'major', assetQualifiedNames: [tables[0]] },
        });
        const [col] = await columns.waitFor(1);
        assert.match(col?.assetChanged.eventId ?? '', /^[0-9a-f-]{36}$/);
        assert.deepEqual(col?.assetChanged, {
          eventId: col?.assetChanged.eventId,
          change: 'CREATED',
          version: 1,
          asset: { qualifiedName: `${tables[0]}.phone` },
        });
        const [inc] = await sev1.waitFor(1);
        assert.deepEqual(inc?.incidentChanged, { change: 'CREATED', incident: { title: 'major' } });
        // Controls after everything the filters must drop: the next event each one delivers is its control.
        await admin.request(UPSERT, { input: [{ qualifiedName: `${tables[0]}.zip`, kind: 'COLUMN', parentQualifiedName: tables[0] }] });
        await admin.request(report, {
          i: { externalId: 'x3', source: 'mc', type: 'VOLUME', severity: 'SEV1', title: 'control', assetQualifiedNames: [tables[0]] },
        });
        assert.deepEqual(
          (await columns.waitFor(2)).map((e) => e.assetChanged.asset.qualifiedName),
          [`${tables[0]}.phone`, `${tables[0]}.zip`],
        );
        assert.deepEqual(
          (await sev1.waitFor(2)).map((e) => e.incidentChanged.incident.title),
          ['major', 'control'],
        );
      });

      it('closes a connection without a valid token with 4403', async () => {
        assert.equal(await server.ws('forged.token.value').closed(), 4403);
        assert.equal(await server.ws(null).closed(), 4403);
      });

      it('refuses a subscription to a role that may not read', async () => {
        const t = uniqueTenant();
        const ws = server.ws(await server.token(t, 'ingest'));
        const sub = ws.subscribe(`subscription { classificationChanged { eventId } }`);
        await assert.rejects(sub.waitFor(1), /FORBIDDEN/);
        assert.equal(sub.events.length, 0);
        assert.equal(server.app.services.subscriptions.stats.openByTenant.get(t), undefined);
      });
    });
  });
}
