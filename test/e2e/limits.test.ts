// Hostile documents: too deep, too many aliases, too costly, too many tokens, too long, too many
// operations in a batch. Each is refused before any resolver runs (a refused mutation writes
// nothing), with a stable code, over HTTP and over websocket alike; introspection and field
// suggestions follow the configuration.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { uniqueTenant, until } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

const codes = (r: { errors?: readonly unknown[] | undefined }) =>
  (r.errors ?? []).map((e) => (e as { extensions?: { code?: string } }).extensions?.code);
const nested = (depth: number, leaf = 'name') => {
  let selection = leaf;
  for (let i = 0; i < depth; i++) selection = `children(first: 1) { edges { node { ${selection} } } }`;
  return selection;
};

async function post(server: TestServer, token: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('GraphQL limits (development defaults)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  const exists = async (token: string, qn: string) =>
    (await server.http(token).request<{ asset: unknown }>('query($q: String!) { asset(qualifiedName: $q) { id } }', { q: qn })).data
      ?.asset !== null;

  it('refuses a too-deep mutation before it runs: nothing is written', async () => {
    const t = uniqueTenant();
    const token = await server.token(t, 'admin');
    const qn = `pg://h/${t}`;
    const deep = `mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { assets { ${nested(4)} } } }`;
    const r = await server.http(token).request(deep, { i: [{ qualifiedName: qn, kind: 'DATABASE' }] });
    assert.deepEqual(codes(r), ['GRAPHQL_VALIDATION_FAILED']);
    assert.match(JSON.stringify(r.errors), /depth limit of 12/);
    assert.equal(await exists(token, qn), false);
    const shallow = `mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { assets { ${nested(2)} } } }`;
    assert.deepEqual(codes(await server.http(token).request(shallow, { i: [{ qualifiedName: qn, kind: 'DATABASE' }] })), []);
    assert.equal(await exists(token, qn), true);
  });

  it('refuses too many aliases and too many directives', async () => {
    const t = uniqueTenant();
    const token = await server.token(t, 'admin');
    const aliased = Array.from({ length: 21 }, (_, i) => `a${i}: defineClassification(input: { name: "C${i}" }) { name }`).join(' ');
    assert.deepEqual(codes(await server.http(token).request(`mutation { ${aliased} }`)), ['GRAPHQL_VALIDATION_FAILED']);
    const types = await server.http(token).request<{ classificationTypes: { name: string }[] }>('{ classificationTypes { name } }');
    assert.equal(
      types.data?.classificationTypes.some((c) => /^C\d+$/.test(c.name)),
      false,
    );
    const directives = Array.from({ length: 21 }, () => 'me { tenant @include(if: true) }').join(' ');
    const r = await server.http(token).request(`{ ${directives} }`);
    assert.deepEqual(codes(r), ['GRAPHQL_VALIDATION_FAILED']);
    assert.match(JSON.stringify(r.errors), /Directives limit of 20 exceeded/);
  });

  it('refuses a costly fan-out, counting page sizes given as variables, and accepts an ordinary page', async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    const fanOut = 'query($n: Int!) { assets(first: $n) { edges { node { name children(first: $n) { edges { node { name } } } } } } }';
    const r = await server.http(token).request(fanOut, { n: 500 });
    assert.deepEqual(codes(r), ['GRAPHQL_VALIDATION_FAILED']);
    assert.match(JSON.stringify(r.errors), /cost limit of 25000 exceeded/);
    assert.deepEqual(codes(await server.http(token).request(fanOut, { n: 20 })), []);
  });

  it('refuses documents over the token limit and over the length limit', async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    const many = `{ search(query: "a", filter: { kinds: [${Array.from({ length: 2000 }, () => 'TABLE').join(' ')}] }) { total } }`;
    assert.deepEqual(codes(await server.http(token).request(many)), ['GRAPHQL_PARSE_FAILED']);
    const long = `{ me { tenant } } # ${'x'.repeat(40_000)}`;
    const r = await post(server, token, { query: long });
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r.body as { errors: unknown[] }), ['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers batches up to the bound and refuses bigger ones whole', async () => {
    const t = uniqueTenant();
    const token = await server.token(t, 'admin');
    const two = await post(server, token, [{ query: '{ me { tenant } }' }, { query: '{ me { roles } }' }]);
    assert.equal(two.status, 200);
    assert.deepEqual(
      (two.body as { data: unknown }[]).map((b) => b.data),
      [{ me: { tenant: t } }, { me: { roles: ['ADMIN'] } }],
    );
    const eleven = Array.from({ length: 11 }, (_, i) => ({
      query: `mutation { defineClassification(input: { name: "B${i}" }) { name } }`,
    }));
    const refused = await post(server, token, eleven);
    assert.equal(refused.status, 400);
    assert.deepEqual(codes(refused.body as { errors: unknown[] }), ['BAD_REQUEST']);
    const types = await server.http(token).request<{ classificationTypes: { name: string }[] }>('{ classificationTypes { name } }');
    assert.equal(
      types.data?.classificationTypes.some((c) => /^B\d+$/.test(c.name)),
      false,
    );
  });

  it('applies the same limits to subscriptions and operations over websocket', async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    const ws = server.ws(token);
    const deep = ws.subscribe(`subscription { assetChanged { asset { ${nested(5)} } } }`);
    await assert.rejects(deep.waitFor(1, 3000), /depth limit.*GRAPHQL_VALIDATION_FAILED/);
    const costly = ws.subscribe(
      'subscription { assetChanged { asset { children(first: 1000) { edges { node { children(first: 1000) { edges { node { name } } } } } } } } }',
    );
    await assert.rejects(costly.waitFor(1, 3000), /cost limit/);
    const tokens = ws.subscribe(
      `{ search(query: "a", filter: { kinds: [${Array.from({ length: 2000 }, () => 'TABLE').join(' ')}] }) { total } }`,
    );
    await assert.rejects(tokens.waitFor(1, 3000), /GRAPHQL_PARSE_FAILED/);
    const fine = ws.subscribe<{ me: { roles: string[] } }>('{ me { roles } }');
    assert.deepEqual((await fine.waitFor(1, 3000))[0]?.me.roles, ['VIEWER']);
  });

  it('keeps field suggestions and introspection on in development', async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    assert.match(JSON.stringify((await server.http(token).request('{ me { tenat } }')).errors), /Did you mean/);
    assert.deepEqual(codes(await server.http(token).request('{ __schema { queryType { name } } }')), []);
  });

  it('describes its scalars in the SDL’s words, and gives classification types a stable id for client caches', async () => {
    const t = uniqueTenant();
    const steward = server.http(await server.token(t, 'steward'));
    const scalars = await steward.request<{ d: { description: string }; j: { description: string } }>(
      '{ d: __type(name: "DateTime") { description } j: __type(name: "JSON") { description } }',
    );
    assert.deepEqual(scalars.data, {
      d: { description: 'An ISO-8601 date-time in UTC, e.g. 2026-11-21T10:00:00.000Z.' },
      j: { description: 'Arbitrary JSON (objects, arrays, strings, numbers, booleans, null).' },
    });
    await steward.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
    const types = await steward.request<{ classificationTypes: { id: string; name: string }[] }>('{ classificationTypes { id name } }');
    assert.deepEqual(types.data?.classificationTypes, [{ id: `${t}/PII`, name: 'PII' }]);
  });
});

describe('GraphQL errors that tell the truth', () => {
  let server: TestServer;
  const lines: { level: number; msg: string }[] = [];
  before(async () => {
    const log = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          lines.push(JSON.parse(line) as { level: number; msg: string });
        },
      },
    );
    server = await startTestServer({}, { log });
  });
  after(async () => server.close());

  it('names the limit that refused a document, over HTTP and websocket', async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    const limitOf = (r: { errors?: readonly unknown[] | undefined }) =>
      (r.errors ?? []).map((e) => (e as { extensions?: { limit?: string } }).extensions?.limit);
    const documents: [string, string][] = [
      ['depth', `{ assets(first: 1) { edges { node { ${nested(6)} } } } }`],
      ['aliases', `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: me { tenant }`).join(' ')} }`],
      ['directives', `{ ${Array.from({ length: 21 }, () => 'me { tenant @include(if: true) }').join(' ')} }`],
      ['cost', '{ assets(first: 500) { edges { node { children(first: 500) { edges { node { name } } } } } } }'],
      ['tokens', `{ search(query: "a", filter: { kinds: [${Array.from({ length: 2000 }, () => 'TABLE').join(' ')}] }) { total } }`],
    ];
    const ws = server.ws(token);
    for (const [limit, query] of documents) {
      assert.deepEqual(limitOf(await server.http(token).request(query)), [limit], `${limit} over HTTP`);
      await assert.rejects(
        ws.subscribe(query).waitFor(1, 5000),
        (e: Error) => e.message.includes(`"limit":"${limit}"`),
        `${limit} over websocket`,
      );
    }
    const long = await post(server, token, { query: `{ me { tenant } } # ${'x'.repeat(40_000)}` });
    assert.deepEqual(limitOf(long.body as { errors: unknown[] }), ['length']);
  });

  it('answers an anonymous operation sent with an operationName as OPERATION_RESOLUTION_FAILURE, and keeps the socket', async () => {
    const t = uniqueTenant();
    const token = await server.token(t, 'viewer');
    const single = await post(server, token, { query: '{ me { subject } }', operationName: 'x' });
    assert.deepEqual([single.status, codes(single.body as { errors: unknown[] })], [400, ['OPERATION_RESOLUTION_FAILURE']]);
    const batch = await post(server, token, [{ query: '{ me { subject } }', operationName: 'x' }, { query: '{ me { tenant } }' }]);
    assert.deepEqual(
      (batch.body as { data?: unknown; errors?: unknown[] }[]).map((b) => [codes(b), b.data ?? null]),
      [
        [['OPERATION_RESOLUTION_FAILURE'], null],
        [[], { me: { tenant: t } }],
      ],
    );
    const named = await post(server, token, { query: 'query a { me { tenant } } query b { me { roles } }', operationName: 'b' });
    assert.deepEqual((named.body as { data: unknown }).data, { me: { roles: ['VIEWER'] } });
    // Over websocket: that one operation is refused; the socket and its other subscriptions stay.
    const ws = server.ws(token);
    const live = ws.subscribe<{ assetChanged: { asset: { qualifiedName: string } } }>(
      'subscription { assetChanged { asset { qualifiedName } } }',
    );
    await server.subscribed(t, 1);
    const wrong: unknown[] = [];
    await new Promise<void>((resolve) => {
      ws.client.subscribe(
        { query: '{ me { subject } }', operationName: 'x' },
        {
          next: (v) => wrong.push(v),
          error: (e) => {
            wrong.push(e);
            resolve();
          },
          complete: resolve,
        },
      );
    });
    assert.match(JSON.stringify(wrong), /OPERATION_RESOLUTION_FAILURE/);
    const admin = server.http(await server.token(t, 'admin'));
    await admin.request('mutation { upsertAssets(input: [{ qualifiedName: "pg://h/still-there", kind: TABLE }]) { created } }');
    assert.deepEqual(
      (await live.waitFor(1)).map((e) => e.assetChanged.asset.qualifiedName),
      ['pg://h/still-there'],
    );
    assert.deepEqual(ws.closeCodes, []);
  });

  it("logs a client's mistakes as what they are, not as internal errors", async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    const from = lines.length;
    for (const query of ['{ nope ', '{ me { tenat } }', `{ assets(first: 1) { edges { node { ${nested(6)} } } } }`]) {
      assert.equal((await post(server, token, { query })).status, 400);
    }
    await assert.rejects(server.ws(token).subscribe('{ nope ').waitFor(1, 5000), /GRAPHQL_PARSE_FAILED/);
    // The control: the log is captured (the server's start-up lines are in it).
    assert.ok(lines.some((l) => l.msg === 'store, change feed and search index selected'));
    assert.deepEqual(
      lines
        .slice(from)
        .filter((l) => l.level >= 50)
        .map((l) => l.msg),
      [],
    );
  });
});

describe('subscription caps per connection and per tenant', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SUBSCRIPTIONS_PER_CONNECTION: '3', SUBSCRIPTIONS_PER_TENANT: '5' });
  });
  after(async () => server.close());

  const Q = 'subscription { assetChanged { asset { qualifiedName } } }';
  type E = { assetChanged: { asset: { qualifiedName: string } } };
  const refusedWith = (limit: string) => (e: Error) =>
    e.message.includes('TOO_MANY_SUBSCRIPTIONS') && e.message.includes(`"limit":"${limit}"`);

  it('refuses a subscription over the cap with TOO_MANY_SUBSCRIPTIONS, keeps the others, and counts closed ones out', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const a = server.ws(await server.token(t, 'viewer'));
    const held = [a.subscribe<E>(Q), a.subscribe<E>(Q), a.subscribe<E>(Q)];
    await server.subscribed(t, 3);
    await assert.rejects(a.subscribe(Q).waitFor(1, 5000), refusedWith('subscriptionsPerConnection'));
    // Queries over the socket are not subscriptions: still answered.
    assert.equal((await a.subscribe<{ me: { tenant: string } }>('{ me { tenant } }').waitFor(1))[0]?.me.tenant, t);
    // A closed subscription frees its place.
    held[2]!.unsubscribe();
    await until('the subscription to close', () => (server.app.services.subscriptions.stats.openByTenant.get(t) ?? 0) === 2);
    const replacement = a.subscribe<E>(Q);
    await server.subscribed(t, 3);
    // The tenant's cap, across connections: 3 on a, 2 more on b, then no more.
    const b = server.ws(await server.token(t, 'viewer'));
    const more = [b.subscribe<E>(Q), b.subscribe<E>(Q)];
    await server.subscribed(t, 5);
    await assert.rejects(b.subscribe(Q).waitFor(1, 5000), refusedWith('subscriptionsPerTenant'));
    // Another tenant is not affected.
    const c = server.ws(await server.token(other, 'viewer'));
    c.subscribe<E>(Q);
    await server.subscribed(other, 1);
    // Every accepted subscription still delivers, and no socket was closed.
    await server
      .http(await server.token(t, 'admin'))
      .request('mutation { upsertAssets(input: [{ qualifiedName: "pg://h/capped", kind: TABLE }]) { created } }');
    for (const sub of [held[0]!, held[1]!, replacement, ...more])
      assert.equal((await sub.waitFor(1))[0]?.assetChanged.asset.qualifiedName, 'pg://h/capped');
    assert.deepEqual([a.closeCodes, b.closeCodes, c.closeCodes], [[], [], []]);
  });
});

describe('GraphQL limits (production settings: no introspection, no suggestions)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ GRAPHQL_INTROSPECTION: 'false', GRAPHQL_SUGGESTIONS: 'false', GRAPHQL_MAX_BATCH: '1' });
  });
  after(async () => server.close());

  it('refuses introspection and hides field names over HTTP and websocket', async () => {
    const token = await server.token(uniqueTenant(), 'viewer');
    const http = server.http(token);
    assert.deepEqual(codes(await http.request('{ __schema { queryType { name } } }')), ['GRAPHQL_VALIDATION_FAILED']);
    const typo = await http.request('{ me { tenat } }');
    assert.deepEqual(codes(typo), ['GRAPHQL_VALIDATION_FAILED']);
    assert.doesNotMatch(JSON.stringify(typo.errors), /Did you mean|tenant/);
    const ws = server.ws(token);
    await assert.rejects(ws.subscribe('{ __type(name: "Asset") { fields { name } } }').waitFor(1, 3000), /GRAPHQL_VALIDATION_FAILED/);
    const wsTypo = ws.subscribe('{ me { tenat } }');
    await assert.rejects(
      wsTypo.waitFor(1, 3000),
      (e: Error) => !/Did you mean/.test(e.message) && /GRAPHQL_VALIDATION_FAILED/.test(e.message),
    );
    const batch = await post(server, token, [{ query: '{ me { tenant } }' }, { query: '{ me { tenant } }' }]);
    assert.deepEqual([batch.status, codes(batch.body as { errors: unknown[] })], [400, ['BAD_REQUEST']]);
  });
});
