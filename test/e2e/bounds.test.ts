// Answers and inputs that multiply: a lineage answer on a dense graph (every asset of one level
// feeding every asset of the next) is bounded in edges as well as nodes and says `truncated`; an
// OpenLineage run whose inputs × outputs would mean more ingest events than one request may is
// refused before anything is expanded or written, and the server keeps answering meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assetRecord, uniqueTenant } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

const MAX_EDGES = 2000;

describe('bounded answers and inputs', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ LINEAGE_MAX_EDGES: String(MAX_EDGES), INGEST_MAX_EVENTS_PER_REQUEST: '5000' });
  });
  after(async () => server.close());

  /**
   * Writes assets and edges (`[from, to]` by name) straight to the store, in one transaction: the
   * graph, not the write path, is under test. Before any HTTP request of the test, so no idle
   * keep-alive connection ages past the server's timeout while the write holds the event loop.
   */
  async function writeGraph(t: string, prefix: string, names: string[], pairs: [string, string][]): Promise<void> {
    const assets = new Map(names.map((x) => [x, assetRecord('TABLE', `${prefix}${x}`)]));
    const edges = pairs.map(([from, to]) => ({ fromId: assets.get(from)!.id, toId: assets.get(to)!.id, processId: null, masking: false }));
    await server.app.store.tenant(t).transaction(async (tx) => {
      await tx.writeAssets([...assets.values()]);
      await tx.addEdges(edges, 'test', new Date().toISOString());
    });
  }
  const LINEAGE =
    'query($q: String!, $d: Int!) { lineage(qualifiedName: $q, depth: $d) { truncated nodes { qualifiedName } edges { from { qualifiedName } to { qualifiedName } } } }';
  type Lineage = { lineage: { truncated: boolean; nodes: unknown[]; edges: unknown[] } };

  it('bounds a lineage answer on a dense graph by its edges, and says it is truncated', async () => {
    const t = uniqueTenant();
    const n = 300;
    const midNames = Array.from({ length: n }, (_, i) => `mid${i}`);
    const outs = Array.from({ length: n }, (_, i) => `out${i}`);
    // root → every mid, every mid → every out: 300 + 90,000 edges.
    await writeGraph(
      t,
      'pg://dense/',
      ['root', ...midNames, ...outs],
      [...midNames.map((m): [string, string] => ['root', m]), ...midNames.flatMap((m) => outs.map((o): [string, string] => [m, o]))],
    );
    const viewer = server.http(await server.token(t, 'viewer'));
    // The control: the same depth upstream from one output is within the bounds, whole and not truncated.
    const up = await viewer.request<Lineage>(LINEAGE.replace('depth: $d)', 'depth: $d, direction: UPSTREAM)'), {
      q: 'pg://dense/out0',
      d: 2,
    });
    assert.deepEqual([up.data?.lineage.truncated, up.data?.lineage.nodes.length, up.data?.lineage.edges.length], [false, n + 2, 2 * n]);
    const heapBefore = process.memoryUsage().heapUsed;
    const two = await viewer.request<Lineage>(LINEAGE, { q: 'pg://dense/root', d: 2 });
    assert.deepEqual(two.errors, undefined);
    assert.equal(two.data?.lineage.truncated, true);
    assert.equal(two.data?.lineage.edges.length, MAX_EDGES);
    assert.ok(two.data.lineage.nodes.length <= 2 * n + 1);
    // 90,300 edges would be tens of megabytes of records and answer; the bound keeps it to a few.
    assert.ok(
      process.memoryUsage().heapUsed - heapBefore < 100 * 2 ** 20,
      `heap grew by ${Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20)} MiB`,
    );

    // Immediate edges of many assets at once: 300 mids × 300 edges pass the bound as a batch, and are answered asset by asset.
    const mids = await viewer.request<{ assets: { edges: { node: { qualifiedName: string; downstream: unknown[] } }[] } }>(
      '{ assets(filter: { qualifiedNamePrefix: "pg://dense/mid" }, first: 20) { edges { node { qualifiedName downstream { to { id } } } } } }',
    );
    assert.deepEqual(mids.errors, undefined);
    assert.deepEqual(
      mids.data?.assets.edges.map((e) => e.node.downstream.length),
      Array(20).fill(n),
    );
  });

  it('refuses the immediate edges of an asset that has more than the bound, by name, and answers its neighbours', async () => {
    const t = uniqueTenant();
    const leaves = Array.from({ length: MAX_EDGES + 1 }, (_, i) => `leaf${i}`);
    await writeGraph(
      t,
      'pg://star/',
      ['hub', 'small', ...leaves],
      [...leaves.map((l): [string, string] => ['hub', l]), ['small', 'leaf0']],
    );
    const viewer = server.http(await server.token(t, 'viewer'));
    const r = await viewer.request<{ hub: { downstream: unknown[] } | null; small: { downstream: unknown[] } }>(
      '{ hub: asset(qualifiedName: "pg://star/hub") { downstream { to { id } } } small: asset(qualifiedName: "pg://star/small") { downstream { to { id } } } }',
    );
    assert.equal(r.data?.small.downstream.length, 1);
    assert.equal(r.data?.hub, null);
    assert.deepEqual(
      r.errors?.map((e) => [e.extensions?.['code'], e.path?.join('.')]),
      [['BAD_USER_INPUT', 'hub.downstream']],
    );
    assert.match(r.errors?.[0]?.message ?? '', new RegExp(`more than ${MAX_EDGES} downstream edges: ask lineage`));
  });

  it('refuses an OpenLineage run whose inputs × outputs exceed the events one request may mean, writing nothing', async () => {
    const t = uniqueTenant('ol');
    const auth = { authorization: `Bearer ${await server.token(t, 'ingest')}`, 'content-type': 'application/json' };
    const run = (inputs: number, outputs: number) =>
      JSON.stringify({
        eventType: 'COMPLETE',
        eventTime: new Date().toISOString(),
        producer: 'https://github.com/OpenLineage/OpenLineage',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: '3f5e83fa-3480-44ff-99c5-ff943904e5e8' },
        job: { namespace: 'sched', name: `job${inputs}x${outputs}` },
        inputs: Array.from({ length: inputs }, (_, i) => ({ namespace: 'postgres://db:5432', name: `shop.public.in${i}` })),
        outputs: Array.from({ length: outputs }, (_, i) => ({ namespace: 'postgres://db:5432', name: `shop.public.out${i}` })),
      });
    const base = server.url.replace(/\/graphql$/, '');
    const heapBefore = process.memoryUsage().heapUsed;
    const [refused, health] = await Promise.all([
      fetch(`${base}/api/v1/lineage`, { method: 'POST', headers: auth, body: run(1000, 1000) }),
      fetch(`${base}/healthz`),
    ]);
    assert.equal(health.status, 200);
    assert.equal(refused.status, 422);
    const body = (await refused.json()) as { error: { code: string; message: string; details: string[] } };
    assert.equal(body.error.code, 'BAD_USER_INPUT');
    assert.match(body.error.message, /over the limit of 5000 \(INGEST_MAX_EVENTS_PER_REQUEST\)/);
    // Refused before its million edges were expanded (they took gigabytes): the heap barely moved.
    assert.ok(
      process.memoryUsage().heapUsed - heapBefore < 100 * 2 ** 20,
      `heap grew by ${Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20)} MiB`,
    );
    const viewer = server.http(await server.token(t, 'viewer'));
    const count = async () =>
      (await viewer.request<{ assets: { totalCount: number } }>('{ assets { totalCount } }')).data!.assets.totalCount;
    assert.equal(await count(), 0);
    // The control: a run within the limit is applied whole (30 × 30 = 900 edges through the job).
    const accepted = await fetch(`${base}/api/v1/lineage`, { method: 'POST', headers: auth, body: run(30, 30) });
    assert.equal(accepted.status, 201, await accepted.clone().text());
    assert.equal(await count(), 61);
    const lineage = await viewer.request<Lineage>(LINEAGE, { q: 'postgres://db:5432/shop.public.in0', d: 1 });
    assert.equal(lineage.data?.lineage.edges.length, 30);
  });
});
