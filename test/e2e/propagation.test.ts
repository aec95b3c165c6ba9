// Large propagations as a user sees them: the mutation answers with a job, the job's progress is
// a query away, and subscribers hear every assignment once as the worker applies the chunks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueTenant } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

describe('background propagation over GraphQL', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ PROPAGATION_SYNC_LIMIT: '5', PROPAGATION_CHUNK: '4' });
  });
  after(async () => server.close());

  const JOB =
    'query($id: ID!) { propagationJob(id: $id) { id classification status total applied actor finishedAt source { qualifiedName } } }';
  type Job = {
    id: string;
    classification: string;
    status: string;
    total: number | null;
    applied: number;
    actor: string;
    finishedAt: string | null;
    source: { qualifiedName: string } | null;
  };

  it('answers classify with a job, reports its progress, and delivers one event per downstream asset', async () => {
    const t = uniqueTenant();
    const steward = server.http(await server.token(t, 'admin'));
    const qns = Array.from({ length: 21 }, (_, i) => `pg://wh/${t}.t${i}`);
    await steward.request('mutation($input: [AssetInput!]!) { upsertAssets(input: $input) { created } }', {
      input: qns.map((qualifiedName) => ({ qualifiedName, kind: 'TABLE' })),
    });
    // A fan-out: t0 feeds 20 tables.
    await steward.request('mutation($edges: [LineageEdgeInput!]!) { addLineage(edges: $edges) { changed } }', {
      edges: qns.slice(1).map((to) => ({ from: qns[0], to })),
    });
    await steward.request('mutation { defineClassification(input: { name: "PII" }) { name } }');

    const events = server
      .ws(await server.token(t, 'viewer'))
      .subscribe<{ classificationChanged: { eventId: string; propagated: boolean; asset: { qualifiedName: string } } }>(
        'subscription { classificationChanged(classifications: ["PII"]) { eventId propagated asset { qualifiedName } } }',
      );
    await server.subscribed(t, 1);
    const r = await steward.request<{ classify: { added: number; propagations: Job[] } }>(
      `mutation { classify(qualifiedName: "${qns[0]}", classification: "PII") { added propagations { id classification status total applied source { qualifiedName } } } }`,
    );
    assert.deepEqual(r.errors, undefined);
    assert.equal(r.data?.classify.added, 1, 'the direct assignment only; the 20 propagated ones follow');
    const [queued] = r.data?.classify.propagations ?? [];
    assert.deepEqual(
      [queued?.classification, queued?.status, queued?.applied, queued?.source?.qualifiedName],
      ['PII', 'PENDING', 0, qns[0]],
    );

    const received = await events.waitFor(21, 15_000);
    assert.equal(new Set(received.map((e) => e.classificationChanged.eventId)).size, 21);
    assert.deepEqual(
      new Set(received.filter((e) => e.classificationChanged.propagated).map((e) => e.classificationChanged.asset.qualifiedName)),
      new Set(qns.slice(1)),
    );

    const viewer = server.http(await server.token(t, 'viewer'));
    let job: Job | undefined;
    for (let i = 0; i < 50 && job?.status !== 'DONE'; i++) {
      job = (await viewer.request<{ propagationJob: Job }>(JOB, { id: queued?.id })).data?.propagationJob;
      if (job?.status !== 'DONE') await new Promise((res) => setTimeout(res, 100));
    }
    assert.deepEqual([job?.status, job?.total, job?.applied, job?.finishedAt !== null], ['DONE', 20, 20, true]);
    const last = await viewer.request<{ asset: { classifications: { name: string; propagated: boolean }[] } }>(
      `{ asset(qualifiedName: "${qns[20]}") { classifications { name propagated } } }`,
    );
    assert.deepEqual(last.data?.asset.classifications, [{ name: 'PII', propagated: true }]);
    // Once each: the next event after the 21, from a control written after the job finished, is the control.
    await steward.request('mutation { upsertAssets(input: [{ qualifiedName: "pg://wh/control", kind: TABLE }]) { created } }');
    await steward.request('mutation { classify(qualifiedName: "pg://wh/control", classification: "PII") { added } }');
    assert.deepEqual(
      (await events.waitFor(22, 15_000)).slice(21).map((e) => e.classificationChanged.asset.qualifiedName),
      ['pg://wh/control'],
    );

    // Another tenant cannot see the job.
    const stranger = server.http(await server.token(uniqueTenant(), 'admin'));
    const theirs = await stranger.request<{ propagationJob: Job | null }>(JOB, { id: queued?.id });
    assert.deepEqual([theirs.errors, theirs.data?.propagationJob], [undefined, null]);
  });

  it('keeps small propagations inside the mutation', async () => {
    const t = uniqueTenant();
    const steward = server.http(await server.token(t, 'admin'));
    await steward.request(
      'mutation { upsertAssets(input: [{ qualifiedName: "pg://a", kind: TABLE }, { qualifiedName: "pg://b", kind: TABLE }]) { created } }',
    );
    await steward.request('mutation { addLineage(edges: [{ from: "pg://a", to: "pg://b" }]) { changed } }');
    await steward.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
    const r = await steward.request<{ classify: { added: number; propagations: unknown[] } }>(
      'mutation { classify(qualifiedName: "pg://a", classification: "PII") { added propagations { id } } }',
    );
    assert.deepEqual(r.data?.classify, { added: 2, propagations: [] });
  });
});
