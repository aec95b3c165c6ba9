// The graph store contract: every adapter (embedded, Neo4j) must pass exactly these tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import type { ChangeEvent } from '../../src/domain/events.js';
import type { GraphStore, GraphTx, PropagationChange } from '../../src/store/ports/index.js';
import { type StoreFactory, type StoreHandle, assetRecord, qn, uniqueTenant } from '../support/fixtures.js';

const page = (first: number, afterCursor: string | null = null) => ({ first, after: afterCursor });

export function graphStoreContract(factory: StoreFactory): void {
  describe(`graph store contract: ${factory.name}`, () => {
    let handle: StoreHandle;
    let store: GraphStore;
    before(async () => {
      handle = await factory.open();
      store = handle.store;
    });
    after(async () => handle.close());

    const write = (tenant: string, work: (tx: GraphTx) => Promise<void>) => store.tenant(tenant).transaction(work);

    it('writes and reads assets by id and by qualified name', async () => {
      const t = uniqueTenant();
      const a = assetRecord('TABLE', qn('orders'), { owners: ['x@acme.io'], attributes: { rows: 3, nested: { ok: true } }, description: 'Orders' });
      await write(t, (tx) => tx.writeAssets([a]));
      assert.deepEqual(await store.tenant(t).assetsByIds([a.id]), [a]);
      assert.deepEqual(await store.tenant(t).assetsByQualifiedNames([a.qualifiedName]), [a]);
      assert.deepEqual(await store.tenant(t).assetsByIds([randomUUID()]), []);
    });

    it('isolates tenants: the same qualified name lives in two tenants, neither sees the other', async () => {
      const [t1, t2] = [uniqueTenant(), uniqueTenant()];
      const a1 = assetRecord('TABLE', qn('shared'));
      const a2 = assetRecord('TABLE', qn('shared'));
      await write(t1, (tx) => tx.writeAssets([a1]));
      await write(t2, (tx) => tx.writeAssets([a2]));
      assert.deepEqual((await store.tenant(t1).assetsByQualifiedNames([qn('shared')])).map((a) => a.id), [a1.id]);
      assert.deepEqual(await store.tenant(t2).assetsByIds([a1.id]), []);
      assert.equal(await store.tenant(t2).countAssets({}), 1);
    });

    it('refuses a second asset with a taken qualified name as CONFLICT, and writes nothing', async () => {
      const t = uniqueTenant();
      await write(t, (tx) => tx.writeAssets([assetRecord('TABLE', qn('dup'))]));
      await assert.rejects(write(t, (tx) => tx.writeAssets([assetRecord('TABLE', qn('other')), assetRecord('TABLE', qn('dup'))])),
        (e: unknown) => e instanceof DomainError && e.code === 'CONFLICT');
      assert.equal(await store.tenant(t).countAssets({}), 1);
    });

    it('rolls back everything, outbox events included, when the work fails', async () => {
      const t = uniqueTenant();
      const mine = async () => (await store.outbox.pending(100_000)).filter((e) => e.event.tenant === t).length;
      await assert.rejects(write(t, async (tx) => {
        await tx.writeAssets([assetRecord('TABLE', qn('ghost'))]);
        await tx.appendEvents([eventFor(t)]);
        throw new Error('boom');
      }), /boom/);
      assert.equal(await store.tenant(t).countAssets({}), 0);
      assert.equal(await mine(), 0);
    });

    it('lists with filters and keyset pagination, and counts', async () => {
      const t = uniqueTenant();
      const db = assetRecord('DATABASE', 'pg://h/db');
      const tables = ['a', 'b', 'c', 'd', 'e'].map((n) => assetRecord('TABLE', `pg://h/db.${n}`, { parentId: db.id, owners: n < 'c' ? ['ann'] : ['bob'] }));
      await write(t, (tx) => tx.writeAssets([db, ...tables, assetRecord('TABLE', 'other://x/y')]));
      const graph = store.tenant(t);
      const p1 = await graph.listAssets({ qualifiedNamePrefix: 'pg://h/db.' }, page(2));
      assert.deepEqual(p1.items.map((i) => i.node.name), ['a', 'b']);
      assert.equal(p1.hasNextPage, true);
      const p2 = await graph.listAssets({ qualifiedNamePrefix: 'pg://h/db.' }, page(2, p1.items.at(-1)!.cursor));
      assert.deepEqual(p2.items.map((i) => i.node.name), ['c', 'd']);
      const p3 = await graph.listAssets({ qualifiedNamePrefix: 'pg://h/db.' }, page(2, p2.items.at(-1)!.cursor));
      assert.deepEqual(p3.items.map((i) => i.node.name), ['e']);
      assert.equal(p3.hasNextPage, false);
      assert.equal(await graph.countAssets({ kinds: ['TABLE'] }), 6);
      assert.equal(await graph.countAssets({ parentId: db.id }), 5);
      assert.equal(await graph.countAssets({ owner: 'ann' }), 2);
      assert.equal(await graph.countAssets({ kinds: ['DATABASE'], qualifiedNamePrefix: 'pg://' }), 1);
    });

    it('finds containment descendants transitively, and deletes assets with everything attached', async () => {
      const t = uniqueTenant();
      const db = assetRecord('DATABASE', 'pg://h/db');
      const schema = assetRecord('SCHEMA', 'pg://h/db.s', { parentId: db.id });
      const table = assetRecord('TABLE', 'pg://h/db.s.t', { parentId: schema.id });
      const col = assetRecord('COLUMN', 'pg://h/db.s.t.c', { parentId: table.id });
      const other = assetRecord('TABLE', 'pg://h/other');
      await write(t, async (tx) => {
        await tx.writeAssets([db, schema, table, col, other]);
        await tx.addEdges([{ fromId: table.id, toId: other.id, processId: null }], 'test', table.createdAt);
      });
      await write(t, async (tx) => {
        assert.deepEqual(new Set(await tx.descendants([db.id])), new Set([schema.id, table.id, col.id]));
        assert.deepEqual(await tx.childNames([table.id, schema.id, other.id], ['COLUMN']), new Map([[table.id, ['c']]]));
        assert.deepEqual(await tx.childNames([schema.id], ['TABLE', 'VIEW']), new Map([[schema.id, ['t']]]));
        await tx.deleteAssets([table.id, col.id]);
      });
      assert.equal(await store.tenant(t).countAssets({}), 3);
      assert.deepEqual(await store.tenant(t).edgesOf([other.id], 'UPSTREAM'), []);
    });

    it('adds edges idempotently and removes them by process or through any process', async () => {
      const t = uniqueTenant();
      const [a, b, p1, p2] = [assetRecord('TABLE', qn('a')), assetRecord('TABLE', qn('b')), assetRecord('PIPELINE', qn('p1')), assetRecord('PIPELINE', qn('p2'))];
      await write(t, async (tx) => {
        await tx.writeAssets([a, b, p1, p2]);
        const first = await tx.addEdges([{ fromId: a.id, toId: b.id, processId: p1.id }, { fromId: a.id, toId: b.id, processId: p2.id }], 'test', a.createdAt);
        assert.equal(first.length, 2);
        const again = await tx.addEdges([{ fromId: a.id, toId: b.id, processId: p1.id }], 'test', a.createdAt);
        assert.equal(again.length, 0);
      });
      assert.equal((await store.tenant(t).edgesOf([a.id], 'DOWNSTREAM')).length, 2);
      assert.equal((await store.tenant(t).edgesOf([b.id], 'UPSTREAM')).length, 2);
      await write(t, async (tx) => {
        assert.equal((await tx.removeEdges([{ fromId: a.id, toId: b.id, processId: p1.id }])).length, 1);
        assert.equal((await tx.removeEdges([{ fromId: a.id, toId: b.id, processId: null }])).length, 1);
      });
      assert.deepEqual(await store.tenant(t).edgesOf([a.id], 'DOWNSTREAM'), []);
    });

    it('traverses breadth-first within depth, node and edge limits, ends on cycles, and flags truncation', async () => {
      const t = uniqueTenant();
      const n = ['a', 'b', 'c', 'd', 'e'].map((x) => assetRecord('TABLE', qn(x)));
      const [a, b, c, d, e] = n as [typeof n[0], typeof n[0], typeof n[0], typeof n[0], typeof n[0]];
      await write(t, async (tx) => {
        await tx.writeAssets(n);
        // a → b → c → d → e, and c → a closes a cycle.
        await tx.addEdges([[a, b], [b, c], [c, d], [d, e], [c, a]].map(([f, to]) => ({ fromId: f!.id, toId: to!.id, processId: null })), 'test', a.createdAt);
      });
      const graph = store.tenant(t);
      const full = await graph.traverse(a.id, 'DOWNSTREAM', 10, { maxNodes: 100, maxEdges: 100 });
      assert.deepEqual(new Set(full.nodeIds), new Set(n.map((x) => x.id)));
      assert.equal(full.edges.length, 5);
      assert.equal(full.truncated, false);
      const shallow = await graph.traverse(a.id, 'DOWNSTREAM', 2, { maxNodes: 100, maxEdges: 100 });
      assert.deepEqual(new Set(shallow.nodeIds), new Set([a.id, b.id, c.id]));
      assert.equal(shallow.truncated, true);
      const capped = await graph.traverse(a.id, 'DOWNSTREAM', 10, { maxNodes: 2, maxEdges: 100 });
      assert.equal(capped.nodeIds.length, 2);
      assert.equal(capped.truncated, true);
      // Exactly as many edges as the graph has is not a truncation; one fewer is.
      assert.equal((await graph.traverse(a.id, 'DOWNSTREAM', 10, { maxNodes: 100, maxEdges: 5 })).truncated, false);
      const edgeCapped = await graph.traverse(a.id, 'DOWNSTREAM', 10, { maxNodes: 100, maxEdges: 4 });
      assert.deepEqual([edgeCapped.edges.length, edgeCapped.truncated], [4, true]);
      const up = await graph.traverse(e.id, 'UPSTREAM', 10, { maxNodes: 100, maxEdges: 100 });
      assert.equal(up.nodeIds.length, 5);
      // A lookup stops reading at its limit, in a stable order.
      const all = await graph.edgesOf([a.id, b.id, c.id], 'DOWNSTREAM');
      assert.deepEqual(await graph.edgesOf([a.id, b.id, c.id], 'DOWNSTREAM', 2), all.slice(0, 2));
    });

    it('reaches downstream for propagation through cycles, stopping at and marking blocked assets', async () => {
      const t = uniqueTenant();
      const n = ['s', 'x', 'y', 'z', 'w'].map((x) => assetRecord('COLUMN', qn(x)));
      const [s, x, y, z, w] = n as [typeof n[0], typeof n[0], typeof n[0], typeof n[0], typeof n[0]];
      await write(t, async (tx) => {
        await tx.writeAssets(n);
        // s → x → y → s (cycle), y → z → w; z blocks PII.
        await tx.addEdges([[s, x], [x, y], [y, s], [y, z], [z, w]].map(([f, to]) => ({ fromId: f!.id, toId: to!.id, processId: null })), 'test', s.createdAt);
        await tx.setBlock({ assetId: z.id, classification: 'PII', addedAt: s.createdAt, addedBy: 'test' });
        const reached = await tx.reach({ sourceId: s.id, classification: 'PII' });
        assert.deepEqual(new Map(reached.map((r) => [r.assetId, r.blocked])), new Map([[x.id, false], [y.id, false], [z.id, true]]));
        const other = await tx.reach({ sourceId: s.id, classification: 'GDPR' });
        assert.deepEqual(new Set(other.map((r) => r.assetId)), new Set([x.id, y.id, z.id, w.id]));
      });
    });

    it('replaces propagation rows and reports only assignments that appear or disappear', async () => {
      const t = uniqueTenant();
      const [s1, s2, x, y] = ['s1', 's2', 'x', 'y'].map((v) => assetRecord('TABLE', qn(v))) as [ReturnType<typeof assetRecord>, ReturnType<typeof assetRecord>, ReturnType<typeof assetRecord>, ReturnType<typeof assetRecord>];
      const at = s1.createdAt;
      await write(t, async (tx) => {
        await tx.writeAssets([s1, s2, x, y]);
        const k1 = { sourceId: s1.id, classification: 'PII' };
        const k2 = { sourceId: s2.id, classification: 'PII' };
        assert.deepEqual(sorted(await tx.replacePropagation(k1, [{ assetId: x.id, blocked: false }, { assetId: y.id, blocked: true }], 'test', at)), { appeared: [x.id], disappeared: [] });
        // A second source on x: x's assignment already exists, so nothing appears.
        assert.deepEqual(sorted(await tx.replacePropagation(k2, [{ assetId: x.id, blocked: false }], 'test', at)), { appeared: [], disappeared: [] });
        // Unblocking y for s1 makes it appear; dropping x from s1 changes nothing, s2 still holds it.
        assert.deepEqual(sorted(await tx.replacePropagation(k1, [{ assetId: y.id, blocked: false }], 'test', at)), { appeared: [y.id], disappeared: [] });
        assert.deepEqual(sorted(await tx.replacePropagation(k2, [], 'test', at)), { appeared: [], disappeared: [x.id] });
        assert.deepEqual(new Set((await tx.propagationKeysAt([y.id], 'effective')).map((k) => k.sourceId)), new Set([s1.id]));
        assert.deepEqual(await tx.propagationKeysAt([x.id], 'any'), []);
      });
      const state = (await store.tenant(t).classificationStates([y.id])).get(y.id);
      assert.deepEqual(state?.propagated.map((p) => [p.sourceId, p.blocked]), [[s1.id, false]]);
    });

    it('bounds a reach and a replace when asked, and patches a slice of a unit', async () => {
      const t = uniqueTenant();
      const s = assetRecord('COLUMN', qn('s'));
      const targets = Array.from({ length: 6 }, (_, i) => assetRecord('COLUMN', qn(`x${i}`)));
      const key = { sourceId: s.id, classification: 'PII' };
      await write(t, async (tx) => {
        await tx.writeAssets([s, ...targets]);
        await tx.addEdges(targets.map((x) => ({ fromId: s.id, toId: x.id, processId: null })), 'test', s.createdAt);
        assert.equal((await tx.reach(key)).length, 6);
        // With a limit, the walk may stop early but always shows that it went past the limit.
        const limited = await tx.reach(key, 2);
        assert.ok(limited.length > 2 && limited.length <= 6);
        const all = targets.map((x) => ({ assetId: x.id, blocked: false }));
        assert.equal(await tx.replacePropagation(key, all, 'test', s.createdAt, 5), null);
        assert.deepEqual(await tx.propagationRows(key), [], 'a refused replace writes nothing');
        assert.deepEqual(sorted(await tx.patchPropagation(key, all.slice(0, 2), 'test', s.createdAt)), sorted({ appeared: [targets[0]!.id, targets[1]!.id], disappeared: [] }));
        // A patch names each asset's wanted state: unchanged rows report nothing, null removes.
        const change = await tx.patchPropagation(key, [{ assetId: targets[0]!.id, blocked: false }, { assetId: targets[1]!.id, blocked: null }, { assetId: targets[2]!.id, blocked: true }], 'test', s.createdAt);
        assert.deepEqual(sorted(change), { appeared: [], disappeared: [targets[1]!.id] });
        assert.deepEqual(new Map((await tx.propagationRows(key)).map((r) => [r.assetId, r.blocked])), new Map([[targets[0]!.id, false], [targets[2]!.id, true]]));
        assert.deepEqual(sorted(await tx.replacePropagation(key, all, 'test', s.createdAt, 5)), sorted({ appeared: [1, 2, 3, 4, 5].map((i) => targets[i]!.id), disappeared: [] }));
      });
    });

    it('keeps one background job per propagation unit: enqueue restarts it, progress reports its generation', async () => {
      const [t, other] = [uniqueTenant(), uniqueTenant()];
      const key = { sourceId: randomUUID(), classification: 'PII' };
      const at = new Date().toISOString();
      const first = await store.tenant(t).transaction((tx) => tx.enqueuePropagation(key, randomUUID(), 'alice', at));
      assert.deepEqual({ ...first, id: 'x' }, { id: 'x', ...key, status: 'PENDING', generation: 1, total: null, applied: 0, actor: 'alice', createdAt: at, updatedAt: at, finishedAt: null });
      await write(t, async (tx) => {
        const progressed = await tx.progressPropagationJob(first.id, { applied: 2, total: 5, done: false }, at);
        assert.deepEqual([progressed?.status, progressed?.applied, progressed?.total, progressed?.generation], ['RUNNING', 2, 5, 1]);
        // Enqueued again (a later change to the unit): same job, next generation, progress reset.
        const again = await tx.enqueuePropagation(key, randomUUID(), 'bob', at);
        assert.deepEqual([again.id, again.status, again.generation, again.applied, again.total, again.actor], [first.id, 'PENDING', 2, 0, null, 'bob']);
        assert.equal((await tx.progressPropagationJob(first.id, { applied: 5, total: 5, done: true }, at))?.generation, 2);
      });
      const [done] = await store.tenant(t).propagationJobs([first.id]);
      assert.deepEqual([done?.status, done?.finishedAt], ['DONE', at]);
      assert.equal((await store.tenant(t).transaction((tx) => tx.propagationJobFor(key)))?.id, first.id);
      // Another tenant sees nothing of it, by id or by unit, and cannot touch it.
      assert.deepEqual(await store.tenant(other).propagationJobs([first.id]), []);
      assert.equal(await store.tenant(other).transaction((tx) => tx.propagationJobFor(key)), null);
      assert.equal(await store.tenant(other).transaction((tx) => tx.progressPropagationJob(first.id, { applied: 0, total: 0, done: false }, at)), null);
      // A finished job is no longer claimable.
      assert.equal(await store.propagationQueue.claim('worker-a', 60_000, first.id), null);
    });

    it('leases a job to one worker at a time, renews it for the holder, and hands it over on release or expiry', async () => {
      const t = uniqueTenant();
      const key = { sourceId: randomUUID(), classification: 'PII' };
      const job = await store.tenant(t).transaction((tx) => tx.enqueuePropagation(key, randomUUID(), 'alice', new Date().toISOString()));
      // No other worker polls this store meanwhile: the runner gives a file that uses Neo4j the database alone.
      const claimed = await store.propagationQueue.claim('worker-a', 60_000, job.id);
      assert.equal(claimed?.tenant, t);
      assert.equal(claimed?.job.id, job.id);
      assert.equal(await store.propagationQueue.claim('worker-b', 60_000, job.id), null, 'held by worker-a');
      assert.ok(await store.propagationQueue.claim('worker-a', 60_000, job.id), 'the holder renews');
      await store.propagationQueue.release('worker-b', job.id);
      assert.equal(await store.propagationQueue.claim('worker-b', 60_000, job.id), null, 'only the holder releases');
      await store.propagationQueue.release('worker-a', job.id);
      assert.ok(await store.propagationQueue.claim('worker-b', 1, job.id), 'released: free for anyone');
      await new Promise((r) => setTimeout(r, 20)); // the 1 ms lease certainly expires
      assert.ok(await store.propagationQueue.claim('worker-c', 60_000, job.id), 'an expired lease is free for anyone');
      await store.propagationQueue.release('worker-c', job.id);
    });

    it('keeps classification types, direct assignments and blocks per tenant', async () => {
      const [t, other] = [uniqueTenant(), uniqueTenant()];
      const a = assetRecord('TABLE', qn('a'));
      await write(t, async (tx) => {
        await tx.writeAssets([a]);
        await tx.putClassificationType({ name: 'PII', description: 'Personal', propagateByDefault: true, createdAt: a.createdAt });
        await tx.setDirect({ assetId: a.id, classification: 'PII', propagate: true, addedAt: a.createdAt, addedBy: 'test' });
        assert.equal(await tx.setBlock({ assetId: a.id, classification: 'GDPR', addedAt: a.createdAt, addedBy: 'test' }), true);
        assert.equal(await tx.setBlock({ assetId: a.id, classification: 'GDPR', addedAt: a.createdAt, addedBy: 'test' }), false);
        assert.deepEqual(await tx.propagatingDirectAt([a.id]), [{ sourceId: a.id, classification: 'PII' }]);
      });
      const state = (await store.tenant(t).classificationStates([a.id])).get(a.id);
      assert.deepEqual(state?.direct.map((d) => [d.classification, d.propagate]), [['PII', true]]);
      assert.deepEqual(state?.blocks.map((b) => b.classification), ['GDPR']);
      assert.deepEqual((await store.tenant(t).classificationTypes()).map((c) => c.name), ['PII']);
      assert.deepEqual(await store.tenant(other).classificationTypes(), []);
      assert.equal((await store.tenant(t).classificationCounts()).get('PII')?.direct, 1);
      assert.equal((await store.tenant(other).classificationStates([a.id])).size, 0);
      await write(t, async (tx) => {
        assert.equal(await tx.removeDirect(a.id, 'PII'), true);
        assert.equal(await tx.removeDirect(a.id, 'PII'), false);
        assert.equal(await tx.removeBlock(a.id, 'GDPR'), true);
      });
    });

    it('pages history newest first', async () => {
      const t = uniqueTenant();
      const a = assetRecord('TABLE', qn('a'));
      await write(t, async (tx) => {
        await tx.writeAssets([a]);
        await tx.appendHistory([1, 2, 3].map((v) => ({ id: randomUUID(), assetId: a.id, qualifiedName: a.qualifiedName, change: v === 1 ? 'CREATED' as const : 'UPDATED' as const, actor: 'ann', at: a.createdAt, version: v, before: v === 1 ? null : { v: v - 1 }, after: { v } })));
      });
      const p1 = await store.tenant(t).history(a.id, page(2));
      assert.deepEqual(p1.items.map((i) => i.node.version), [3, 2]);
      assert.deepEqual(p1.items[0]?.node.after, { v: 3 });
      const p2 = await store.tenant(t).history(a.id, page(2, p1.items.at(-1)!.cursor));
      assert.deepEqual(p2.items.map((i) => i.node.version), [1]);
      assert.equal(p2.hasNextPage, false);
      assert.equal((await store.tenant(uniqueTenant()).history(a.id, page(5))).items.length, 0);
    });

    it('stores incidents with their assets, finds them by external id, filters and pages them', async () => {
      const t = uniqueTenant();
      const [a, b] = [assetRecord('TABLE', qn('a')), assetRecord('TABLE', qn('b'))];
      const incident = (i: number, extra = {}) => ({
        id: randomUUID(), externalId: `ext-${i}`, source: 'monte-carlo', type: 'FRESHNESS' as const, severity: 'SEV2' as const, status: 'OPEN' as const,
        title: `late ${i}`, url: null, detectedAt: new Date(Date.UTC(2026, 1, i)).toISOString(), updatedAt: a.createdAt, assetIds: [a.id], ...extra,
      });
      await write(t, async (tx) => {
        await tx.writeAssets([a, b]);
        await tx.putIncident(incident(1));
        await tx.putIncident(incident(2, { status: 'RESOLVED', assetIds: [a.id, b.id].sort() }));
        await tx.putIncident(incident(3, { severity: 'SEV1' }));
      });
      const graph = store.tenant(t);
      const found = await graph.incidentByExternalId('monte-carlo', 'ext-2');
      assert.equal(found?.status, 'RESOLVED');
      assert.deepEqual(found?.assetIds, [a.id, b.id].sort());
      const p1 = await graph.listIncidents({}, page(2));
      assert.deepEqual(p1.items.map((i) => i.node.externalId), ['ext-3', 'ext-2']);
      const p2 = await graph.listIncidents({}, page(2, p1.items.at(-1)!.cursor));
      assert.deepEqual(p2.items.map((i) => i.node.externalId), ['ext-1']);
      assert.equal(await graph.countIncidents({ statuses: ['OPEN'] }), 2);
      assert.equal(await graph.countIncidents({ severities: ['SEV1'] }), 1);
      assert.equal(await graph.countIncidents({ assetId: b.id }), 1);
      const byAsset = await graph.incidentsByAssets([a.id, b.id], ['OPEN']);
      assert.equal(byAsset.get(a.id)?.length, 2);
      assert.equal(byAsset.get(b.id), undefined);
      assert.equal(await store.tenant(uniqueTenant()).incidentByExternalId('monte-carlo', 'ext-2'), null);
    });

    it('keeps reported runs per tenant, applies concurrent events of one run one after the other, and purges old runs', async () => {
      const [t, other] = [uniqueTenant(), uniqueTenant()];
      const key = `openlineage:${randomUUID()}`;
      // Dated long ago, so the purge below touches no other test's runs.
      const at = '2000-01-01T00:00:00.000Z';
      await write(t, async (tx) => { assert.equal(await tx.lockRun(key), null); });
      // Five events of one run at once, each a read-modify-write of the run: none is lost.
      await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => write(t, async (tx) => {
        const current = await tx.lockRun(key);
        await tx.putRun({ key, job: qn('job'), state: 'PENDING', inputs: [...(current?.inputs ?? []), name], outputs: [], edges: [{ from: qn(name), to: qn('out') }, ...(current?.edges ?? [])], updatedAt: at });
      })));
      let seen: Awaited<ReturnType<GraphTx['lockRun']>> = null;
      await write(t, async (tx) => { seen = await tx.lockRun(key); });
      assert.deepEqual([...(seen!.inputs)].sort(), ['a', 'b', 'c', 'd', 'e']);
      assert.equal(seen!.edges.length, 5);
      assert.deepEqual({ ...seen!, inputs: [], edges: [] }, { key, job: qn('job'), state: 'PENDING', inputs: [], outputs: [], edges: [], updatedAt: at });
      await write(other, async (tx) => { assert.equal(await tx.lockRun(key), null); });
      // Purged once older than the cutoff; a newer run stays.
      const fresh = `openlineage:${randomUUID()}`;
      await write(t, (tx) => tx.putRun({ key: fresh, job: qn('job'), state: 'CONFIRMED', inputs: [], outputs: [], edges: [], updatedAt: '2000-01-02T00:00:00.000Z' }));
      assert.ok(await store.purgeRuns('2000-01-01T12:00:00.000Z') >= 1);
      await write(t, async (tx) => {
        assert.equal(await tx.lockRun(key), null);
        assert.equal((await tx.lockRun(fresh))?.state, 'CONFIRMED');
      });
    });

    it('keeps committed events in the outbox, in commit order, until published', async () => {
      const t = uniqueTenant();
      const events = [eventFor(t), eventFor(t), eventFor(t)];
      let notified = 0;
      const off = store.onCommit(() => notified++);
      await write(t, (tx) => tx.appendEvents(events.slice(0, 2)));
      await write(t, (tx) => tx.appendEvents(events.slice(2)));
      off();
      assert.ok(notified >= 2);
      const mine = (await store.outbox.pending(100_000)).filter((e) => e.event.tenant === t);
      assert.deepEqual(mine.map((e) => e.event.eventId), events.map((e) => e.eventId));
      assert.deepEqual(mine[0]?.event, events[0]);
      await store.outbox.markPublished(mine.map((e) => e.seq));
      assert.equal((await store.outbox.pending(100_000)).filter((e) => e.event.tenant === t).length, 0);
    });
  });
}

function eventFor(tenant: string): ChangeEvent {
  return { type: 'asset.changed', eventId: randomUUID(), tenant, at: new Date().toISOString(), actor: 'test', change: 'CREATED', asset: assetRecord('TABLE', qn(randomUUID())), version: 1 };
}

function sorted(c: PropagationChange | null): PropagationChange {
  assert.ok(c, 'an unbounded replace always applies');
  return { appeared: [...c.appeared].sort(), disappeared: [...c.disappeared].sort() };
}
