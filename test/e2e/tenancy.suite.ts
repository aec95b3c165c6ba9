// The cross-tenant matrix. Tenant A builds an estate (tables, a column, lineage, classifications
// with a background propagation job, an incident, history, searchable text). Tenant B, with the
// highest role it can have, then runs every query, mutation and subscription of the schema
// (generated from the schema, so new fields are covered automatically) aimed at A's ids and
// qualified names, and nothing of A may come back: no id, no name, no text, no count, no event,
// only null, empty and NOT_FOUND. Afterwards A's estate must be exactly as it was.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { GraphQLEnumType } from 'graphql';
import { after, before, describe, it } from 'node:test';
import { buildSchema } from '../../src/graphql/schema.js';
import { generateOperations } from '../support/operations.js';
import { uniqueTenant } from '../support/fixtures.js';
import { type HttpGraphQL, type LiveSubscription, type TestServer, startTestServer } from '../support/server.js';

const schema = buildSchema();
const ALLOWED_CODES = new Set(['NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'FORBIDDEN']);

/** Every string and number in a response, with its path. */
const ok = <T>(r: { errors?: readonly unknown[] | undefined; data?: T | null | undefined }) => {
  assert.deepEqual(r.errors ?? [], []);
  return r;
};

function leaves(value: unknown, path = ''): { path: string; value: string | number }[] {
  if (typeof value === 'string' || typeof value === 'number') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}.${k}`));
  return [];
}

export function tenancySuite(label: string, env: () => Record<string, string>): void {
  describe(`cross-tenant isolation, generated from the schema (${label})`, () => {
    let server: TestServer;
    let a: HttpGraphQL;
    let b: HttpGraphQL;
    const tenantA = uniqueTenant('alpha');
    const tenantB = uniqueTenant('bravo');
    const r = randomUUID().slice(0, 8);
    const db = `pg://h/db-${r}`;
    const qn = (name: string) => `${db}.public.${name}`;
    const secret = (label: string) => `${label}-${randomUUID()}`;
    const canary = {
      description: secret('secret description'),
      owner: `${secret('owner')}@alpha.example`,
      classification: `SECRET_${r.toUpperCase()}`,
      title: secret('incident title'),
      externalId: secret('ext'),
    };
    const searchWord = `zq${r}`;
    const ids: Record<string, string> = {};
    let snapshot: unknown;

    // What B sends (A's probe table, its downstream neighbour, A's ids), and what must never come back.
    const bank = () => ({
      qualifiedName: [qn('probe')],
      qualifiedNames: [[qn('probe')]],
      assetQualifiedNames: [[qn('probe')]],
      qualifiedNamePrefix: [db],
      from: [qn('probe')],
      to: [qn('down1')],
      id: [ids.probe, ids.incident, ids.job],
      classification: ['PII'],
      classifications: [['PII']],
      query: [searchWord],
    });
    const exact = () =>
      new Set([
        qn('src'),
        qn('down2'),
        qn('probe.email'),
        `${db}.public`,
        ...Object.entries(ids)
          .filter(([k]) => !['probe', 'incident', 'job'].includes(k))
          .map(([, v]) => v),
      ]);
    const contained = () => [tenantA, ...Object.values(canary)];

    function assertNothingOfA(
      label: string,
      response: unknown,
      { countsZero, ownNames = [] }: { countsZero: boolean; ownNames?: string[] },
    ) {
      const exactSet = exact();
      for (const name of ownNames) exactSet.delete(name);
      for (const leaf of leaves(response)) {
        if (typeof leaf.value === 'number') {
          if (countsZero && !leaf.path.includes('.errors'))
            assert.equal(leaf.value, 0, `${label}: number at ${leaf.path} reveals A's data`);
          continue;
        }
        assert.ok(!exactSet.has(leaf.value), `${label}: A's id or name at ${leaf.path}: ${leaf.value}`);
        for (const c of contained()) assert.ok(!leaf.value.includes(c), `${label}: A's text at ${leaf.path}: ${leaf.value}`);
      }
      const errors = (response as { errors?: { extensions?: { code?: string } }[] }).errors ?? [];
      for (const e of errors) assert.ok(ALLOWED_CODES.has(e.extensions?.code ?? ''), `${label}: unexpected error ${JSON.stringify(e)}`);
    }

    const estateOfA = async () => {
      const probe = `qualifiedName probe: asset(qualifiedName: "${qn('probe')}") { id description owners version children { edges { node { qualifiedName } } } history(first: 50) { edges { node { version } } } }`;
      return a.request(
        `{
        ${probe}
        assets(first: 100) { edges { node { qualifiedName version } } }
        lineage(qualifiedName: "${qn('src')}", depth: 5) { nodes { qualifiedName } edges { from { qualifiedName } to { qualifiedName } } }
        incidents(first: 10) { edges { node { id status title assets { qualifiedName } } } }
        classificationTypes { name }
        search(query: "${searchWord}") { total }
      }`.replace('qualifiedName probe:', 'probe:'),
      );
    };

    before(async () => {
      server = await startTestServer({
        ...env(),
        PROPAGATION_SYNC_LIMIT: '2',
        PROPAGATION_CHUNK: '2',
        GRAPHQL_MAX_TOKENS: '20000',
        GRAPHQL_MAX_COST: '1000000000',
        GRAPHQL_MAX_DEPTH: '40',
        GRAPHQL_MAX_DOCUMENT_LENGTH: '200000',
      });
      a = server.http(await server.token(tenantA, 'admin'));
      b = server.http(await server.token(tenantB, 'admin'));
      const upsert = await a.request<{ upsertAssets: { assets: { id: string; qualifiedName: string }[] } }>(
        'mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { assets { id qualifiedName } } }',
        {
          i: [
            { qualifiedName: db, kind: 'DATABASE' },
            { qualifiedName: `${db}.public`, kind: 'SCHEMA', parentQualifiedName: db },
            ...['src', 'probe', 'down1', 'down2'].map((n) => ({
              qualifiedName: qn(n),
              kind: 'TABLE',
              parentQualifiedName: `${db}.public`,
              description: `${canary.description} ${searchWord}`,
              owners: [canary.owner],
            })),
            { qualifiedName: qn('probe.email'), kind: 'COLUMN', parentQualifiedName: qn('probe'), description: canary.description },
          ],
        },
      );
      for (const asset of upsert.data?.upsertAssets.assets ?? []) ids[asset.qualifiedName.split(/[./]/).pop() ?? ''] = asset.id;
      ok(
        await a.request('mutation($e: [LineageEdgeInput!]!) { addLineage(edges: $e) { changed } }', {
          e: [
            ['src', 'probe'],
            ['probe', 'down1'],
            ['down1', 'down2'],
          ].map(([f, t]) => ({ from: qn(f ?? ''), to: qn(t ?? '') })),
        }),
      );
      ok(
        await a.request(
          `mutation { defineClassification(input: { name: "${canary.classification}", propagateByDefault: true }) { name } }`,
        ),
      );
      ok(await a.request('mutation { defineClassification(input: { name: "PII", propagateByDefault: true }) { name } }'));
      const classified = await a.request<{ classify: { propagations: { id: string }[] } }>(
        `mutation { classify(qualifiedName: "${qn('src')}", classification: "${canary.classification}") { propagations { id } } }`,
      );
      ids.job = classified.data?.classify.propagations[0]?.id ?? '';
      assert.ok(ids.job, `no background job: ${JSON.stringify(classified)}`);
      ok(await a.request(`mutation { classify(qualifiedName: "${qn('probe')}", classification: "PII") { added } }`));
      const incident = await a.request<{ reportIncident: { id: string } }>(
        'mutation($i: IncidentInput!) { reportIncident(input: $i) { id } }',
        {
          i: {
            externalId: canary.externalId,
            source: 'monte-carlo',
            type: 'FRESHNESS',
            severity: 'SEV2',
            title: canary.title,
            assetQualifiedNames: [qn('probe')],
          },
        },
      );
      ids.incident = incident.data?.reportIncident.id ?? '';
      // Wait until the job is done and the search index has caught up, so B's reads meet a settled estate.
      for (let i = 0; i < 300; i++) {
        const state = await a.request<{ propagationJob: { status: string } | null; search: { total: number } }>(
          `{ propagationJob(id: "${ids.job}") { status } search(query: "${searchWord}") { total } }`,
        );
        if (state.data?.propagationJob?.status === 'DONE' && state.data.search.total === 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      snapshot = await estateOfA();
      assert.equal((snapshot as { data: { search: { total: number } } }).data.search.total, 4);
    });
    after(async () => server.close());

    it("every query, aimed at A's ids and names, answers B with nothing of A", async () => {
      const operations = generateOperations(schema, 'query', bank());
      assert.ok(operations.length >= 8, `only ${operations.length} generated queries`);
      for (const op of operations) assertNothingOfA(op.text.slice(0, 300), await b.request(op.text), { countsZero: true });
      // Those queries did touch A's records: A's own token sees them (the bank is not off target).
      const control = await a.request<{ asset: { id: string } | null }>(`{ asset(id: "${ids.probe}") { id } }`);
      assert.equal(control.data?.asset?.id, ids.probe);
    });

    it("every mutation, aimed at A's ids and names, changes nothing of A and tells B nothing", async () => {
      const operations = generateOperations(schema, 'mutation', bank());
      assert.ok(operations.length >= 11);
      for (const op of operations) assertNothingOfA(op.text.slice(0, 300), await b.request(op.text), { countsZero: false });
      // Whatever B's mutations set going in the background (jobs, events, indexing) is done before A looks.
      await server.quiesce();
      assert.deepEqual(await estateOfA(), snapshot);
    });

    it("lineage from B's own asset to A's qualified name stays in B, and B's propagation never reaches A", async () => {
      const edge = `mutation { addLineage(edges: [{ from: "pg://b/own", to: "${qn('src')}" }]) { changed } }`;
      await b.request('mutation { upsertAssets(input: [{ qualifiedName: "pg://b/own", kind: TABLE }]) { created } }');
      // A's table looks exactly like a table that exists nowhere.
      const refused = await b.request(edge);
      const missing = await b.request(edge.replace(qn('src'), qn('nowhere')));
      assert.equal(refused.errors?.length, 1);
      assert.deepEqual(JSON.stringify(refused).replaceAll(qn('src'), '*'), JSON.stringify(missing).replaceAll(qn('nowhere'), '*'));
      // B's own asset at the same qualified name as A's: the edge joins B's twin, never A's table.
      await b.request(
        `mutation { upsertAssets(input: [{ qualifiedName: "${qn('src')}", kind: TABLE, description: "bravo's twin" }]) { created } }`,
      );
      assert.equal((await b.request<{ addLineage: { changed: number } }>(edge)).data?.addLineage.changed, 1);
      await b.request('mutation { defineClassification(input: { name: "BRAVO_PII", propagateByDefault: true }) { name } }');
      await b.request('mutation { classify(qualifiedName: "pg://b/own", classification: "BRAVO_PII") { added } }');
      const lineageB = await b.request(`{ lineage(qualifiedName: "pg://b/own", depth: 5) { nodes { id qualifiedName description } } }`);
      assertNothingOfA('B lineage', lineageB, { countsZero: false, ownNames: [qn('src')] });
      assert.deepEqual(
        (lineageB.data as { lineage: { nodes: { qualifiedName: string }[] } }).lineage.nodes.map((n) => n.qualifiedName).sort(),
        ['pg://b/own', qn('src')].sort(),
      );
      // The control: B's propagation did run, to B's twin of A's table.
      await server.quiesce();
      const twin = await b.request<{ asset: { classifications: { name: string }[] } }>(
        `{ asset(qualifiedName: "${qn('src')}") { classifications { name } } }`,
      );
      assert.deepEqual(
        twin.data?.asset.classifications.map((c) => c.name),
        ['BRAVO_PII'],
      );
      assert.deepEqual(await estateOfA(), snapshot);
    });

    it('concurrent requests of both tenants for the same names never share loaded records', async () => {
      await b.request(
        `mutation { upsertAssets(input: [{ qualifiedName: "${qn('probe')}", kind: TABLE, description: "bravo's probe" }]) { created } }`,
      );
      const query = `{ asset(qualifiedName: "${qn('probe')}") { description parent { qualifiedName } } lineage(qualifiedName: "${qn('probe')}", direction: BOTH) { nodes { description } } }`;
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).request<{ asset: { description: string } }>(query)),
      );
      answers.forEach((answer, i) => {
        if (i % 2 === 0) assert.equal(answer.data?.asset.description, `${canary.description} ${searchWord}`);
        else assertNothingOfA('B concurrent', answer, { countsZero: false });
      });
    });

    it("B's subscriptions, aimed at A's names and unfiltered, receive none of A's events", async () => {
      const operations = generateOperations(schema, 'subscription', bank());
      assert.ok(operations.length >= 3);
      const bSocket = server.ws(await server.token(tenantB, 'admin'));
      const bSubs: { text: string; sub: LiveSubscription<unknown> }[] = operations.map((op) => ({
        text: op.text,
        sub: bSocket.subscribe(op.text),
      }));
      const aSocket = server.ws(await server.token(tenantA, 'admin'));
      const control = [
        'subscription { assetChanged { eventId } }',
        'subscription { classificationChanged { eventId } }',
        'subscription { incidentChanged { eventId } }',
      ].map((q) => aSocket.subscribe(q));
      await server.subscribed(tenantB, bSubs.length);
      await server.subscribed(tenantA, control.length);
      // A changes one of everything.
      await a.request(
        `mutation { upsertAssets(input: [{ qualifiedName: "${qn('down2')}", kind: TABLE, description: "${canary.description} changed" }]) { updated } }`,
      );
      ok(await a.request(`mutation { declassify(qualifiedName: "${qn('probe')}", classification: "PII") { removed } }`));
      await a.request(`mutation { updateIncidentStatus(id: "${ids.incident}", status: ACKNOWLEDGED) { status } }`);
      await a.request(`mutation { deleteAssets(qualifiedNames: ["${qn('probe.email')}"]) { deleted } }`);
      await Promise.all(
        control.map((c, i) => c.waitFor(1, 10_000).catch((e: unknown) => assert.fail(`A's control subscription ${i}: ${String(e)}`))),
      );
      // Then B changes one of everything its own subscriptions accept (the same names, kinds and
      // severities they are aimed with): each B subscription delivers in order, so its first event
      // being B's own proves that A's, dispatched before, did not reach it.
      const firstValue = (type: string) => (schema.getType(type) as GraphQLEnumType).getValues()[0]!.name;
      ok(
        await b.request(
          `mutation { upsertAssets(input: [{ qualifiedName: "${db}", kind: ${firstValue('AssetKind')}, description: "bravo control" }]) { created updated } }`,
        ),
      );
      await b.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
      ok(await b.request(`mutation { classify(qualifiedName: "${db}", classification: "PII") { added } }`));
      ok(
        await b.request(
          `mutation { reportIncident(input: { externalId: "bravo-control", source: "test", type: FRESHNESS, severity: ${firstValue('IncidentSeverity')}, title: "bravo control", assetQualifiedNames: ["${db}"] }) { id } }`,
        ),
      );
      for (const { text, sub } of bSubs) {
        const [first] = await sub.waitFor(1, 10_000);
        assertNothingOfA(text, first, { countsZero: false, ownNames: [db] });
        const seen = JSON.stringify(first);
        assert.ok(seen.includes(db) || seen.includes('bravo control'), `${text}: the first event is B's control: ${seen.slice(0, 300)}`);
        for (const e of sub.errors) assertNothingOfA(text, { errors: [e] }, { countsZero: false });
      }
    });
  });
}
