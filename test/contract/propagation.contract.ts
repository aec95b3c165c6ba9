// The five classification propagation rules (docs/behaviour.md), exercised through the services on a given store adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Viewer } from '../../src/domain/auth.js';
import { DomainError } from '../../src/domain/errors.js';
import type { ClassificationChangedEvent } from '../../src/domain/events.js';
import { assignmentViews } from '../../src/services/classification.js';
import type { Services } from '../../src/services/index.js';
import type { GraphStore } from '../../src/store/ports/index.js';
import { createServices } from '../../src/services/index.js';
import { createEmbeddedFeed } from '../../src/store/embedded/feed.js';
import { createPropagationWorker } from '../../src/streams/propagation-worker.js';
import { type StoreFactory, type StoreHandle, qn, servicesFor, silentLog, uniqueTenant, viewerOf } from '../support/fixtures.js';

export function propagationContract(factory: StoreFactory): void {
  describe(`classification propagation rules: ${factory.name}`, () => {
    let handle: StoreHandle;
    let store: GraphStore;
    let services: Services;
    before(async () => {
      handle = await factory.open();
      store = handle.store;
      services = servicesFor(store, undefined, 1000);
    });
    after(async () => handle.close());

    /** "a>b": data flows from a to b; "a~>b": it flows masked. */
    const edgeOf = (e: string) => {
      const [from, to] = e.split(/~?>/) as [string, string];
      return { from: qn(from), to: qn(to), masking: e.includes('~>') };
    };

    /** A tenant with columns named by the edges ("a>b", "a~>b": edgeOf) and PII and GDPR defined. */
    async function graph(...edges: string[]): Promise<{ v: Viewer; t: string }> {
      const t = uniqueTenant();
      const v = viewerOf(t, 'admin');
      const names = [...new Set(edges.flatMap((e) => e.split(/~?>/)))];
      if (names.length)
        await services.assets.upsert(
          v,
          names.map((n) => ({ qualifiedName: qn(n), kind: 'COLUMN' })),
        );
      if (edges.length) await services.lineage.add(v, edges.map(edgeOf));
      await services.classification.define(v, { name: 'PII', propagateByDefault: true });
      await services.classification.define(v, { name: 'GDPR', propagateByDefault: true });
      await drain(t);
      return { v, t };
    }

    /** Classification events written to the outbox since the last drain, for this tenant. */
    async function drain(t: string): Promise<ClassificationChangedEvent[]> {
      const pending = await store.outbox.pending(1_000_000);
      await store.outbox.markPublished(pending.filter((p) => p.event.tenant === t).map((p) => p.seq));
      return pending
        .map((p) => p.event)
        .filter((e): e is ClassificationChangedEvent => e.tenant === t && e.type === 'classification.changed');
    }

    /** name → "d" (direct), "p(src,…)" (propagated with sources), "b(src)" (blocked by a steward), "m(src)" (stopped by masking) for one asset. */
    async function labels(t: string, name: string): Promise<string[]> {
      const graph = store.tenant(t);
      const [asset] = await graph.assetsByQualifiedNames([qn(name)]);
      const state = (await graph.classificationStates([asset!.id])).get(asset!.id);
      const views = assignmentViews(state, true);
      const names = new Map((await graph.assetsByIds(views.flatMap((v) => v.sourceIds))).map((a) => [a.id, a.name]));
      return views.map(
        (v) =>
          `${v.name}:${
            !v.propagated
              ? 'd'
              : `${v.blockReason === 'MASKING' ? 'm' : v.blocked ? 'b' : 'p'}(${v.sourceIds
                  .map((s) => names.get(s))
                  .sort()
                  .join(',')})`
          }`,
      );
    }

    const summary = (events: ClassificationChangedEvent[]) =>
      events.map((e) => `${e.change === 'ADDED' ? '+' : '-'}${e.asset.name}${e.propagated ? `<${e.source?.name}` : ''}`).sort();

    it('propagates along a chain: one event per assignment, each with the source', async () => {
      const { v, t } = await graph('a>b', 'b>c');
      const outcome = await services.classification.classify(v, qn('a'), 'PII');
      assert.equal(outcome.added, 3);
      assert.deepEqual(summary(await drain(t)), ['+a', '+b<a', '+c<a']);
      assert.deepEqual(await labels(t, 'c'), ['PII:p(a)']);
      const events = await drain(t);
      assert.equal(events.length, 0);
    });

    it('gives each event its asset’s classifications as of that change (what an Atlas message lists)', async () => {
      const { v, t } = await graph('a>b');
      const after = (events: ClassificationChangedEvent[]) =>
        events
          .map((e) => {
            const s = e.classificationsAfter;
            return `${e.change === 'ADDED' ? '+' : '-'}${e.classification}@${e.asset.name}: ${s === undefined ? 'absent' : s === null ? 'deleted' : [...s.direct.map((d) => d.classification), ...s.propagated.map((p) => `${p.classification}<${p.sourceId === e.source?.id ? e.source.name : p.sourceId}`)].sort().join(' ')}`;
          })
          .sort();
      await services.classification.classify(v, qn('a'), 'PII');
      assert.deepEqual(after(await drain(t)), ['+PII@a: PII', '+PII@b: PII<a']);
      await services.classification.classify(v, qn('a'), 'GDPR');
      await services.classification.declassify(v, qn('a'), 'PII');
      assert.deepEqual(after(await drain(t)), ['+GDPR@a: GDPR PII', '+GDPR@b: GDPR<a PII<a', '-PII@a: GDPR', '-PII@b: GDPR<a']);
      await services.assets.delete(v, [qn('b')]);
      assert.deepEqual(after(await drain(t)), ['-GDPR@b: deleted']);
    });

    it('reaches each asset of a diamond once (N downstream = N + 1 events, unique ids)', async () => {
      const { v, t } = await graph('a>b', 'a>c', 'b>d', 'c>d');
      await services.classification.classify(v, qn('a'), 'PII');
      const events = await drain(t);
      assert.deepEqual(summary(events), ['+a', '+b<a', '+c<a', '+d<a']);
      assert.equal(new Set(events.map((e) => e.eventId)).size, 4);
    });

    it('terminates on cycles and never propagates a source onto itself', async () => {
      const { v, t } = await graph('a>b', 'b>c', 'c>a', 'c>d');
      await services.classification.classify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['+a', '+b<a', '+c<a', '+d<a']);
      assert.deepEqual(await labels(t, 'a'), ['PII:d']);
    });

    it('rule 1: declassifying removes only what no remaining source justifies', async () => {
      const { v, t } = await graph('a>c', 'b>c', 'c>d');
      await services.classification.classify(v, qn('a'), 'PII');
      await services.classification.classify(v, qn('b'), 'PII');
      await drain(t);
      assert.deepEqual(await labels(t, 'd'), ['PII:p(a,b)']);
      await services.classification.declassify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['-a']);
      assert.deepEqual(await labels(t, 'd'), ['PII:p(b)']);
      await services.classification.declassify(v, qn('b'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['-b', '-c<b', '-d<b']);
      assert.deepEqual(await labels(t, 'd'), []);
    });

    it('rule 2: a new edge carries existing classifications; removing it withdraws what it alone carried', async () => {
      const { v, t } = await graph('a>b', 'x>y');
      await services.classification.classify(v, qn('a'), 'PII');
      await drain(t);
      await services.lineage.add(v, [{ from: qn('b'), to: qn('x') }]);
      assert.deepEqual(summary(await drain(t)), ['+x<a', '+y<a']);
      await services.lineage.remove(v, [{ from: qn('b'), to: qn('x') }]);
      assert.deepEqual(summary(await drain(t)), ['-x<a', '-y<a']);
      assert.deepEqual(await labels(t, 'b'), ['PII:p(a)']);
    });

    it('rule 2: removing one of two paths keeps the assignment the other path still justifies', async () => {
      const { v, t } = await graph('a>b', 'a>c', 'b>d', 'c>d', 'd>e');
      await services.classification.classify(v, qn('a'), 'PII');
      await drain(t);
      await services.lineage.remove(v, [{ from: qn('b'), to: qn('d') }]);
      assert.deepEqual(await drain(t), []);
      assert.deepEqual(await labels(t, 'e'), ['PII:p(a)']);
      await services.lineage.remove(v, [{ from: qn('c'), to: qn('d') }]);
      assert.deepEqual(summary(await drain(t)), ['-d<a', '-e<a']);
    });

    it('rule 3: a block stops propagation into the asset and past it, and unblocking restores it', async () => {
      const { v, t } = await graph('a>b', 'b>c', 'a>x');
      await services.classification.block(v, qn('b'), 'PII');
      await services.classification.classify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['+a', '+x<a']);
      assert.deepEqual(await labels(t, 'b'), ['PII:b(a)']);
      assert.deepEqual(await labels(t, 'c'), []);
      const unblocked = await services.classification.unblock(v, qn('b'), 'PII');
      assert.equal(unblocked.added, 2);
      assert.deepEqual(summary(await drain(t)), ['+b<a', '+c<a']);
      await services.classification.block(v, qn('b'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['-b<a', '-c<a']);
    });

    it('rule 3: a block is per classification, and does not stop the blocked asset’s own direct assignment', async () => {
      const { v, t } = await graph('a>b', 'b>c');
      await services.classification.block(v, qn('b'), 'PII');
      await services.classification.classify(v, qn('a'), 'GDPR');
      await services.classification.classify(v, qn('b'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['+a', '+b', '+b<a', '+c<a', '+c<b']);
      assert.deepEqual(await labels(t, 'c'), ['GDPR:p(a)', 'PII:p(b)']);
    });

    it('masking: a maskable classification stops at a masking edge (shown, with the reason), and others cross it', async () => {
      const { v, t } = await graph('a~>b', 'b>c', 'a>d');
      await services.classification.define(v, { name: 'PII', maskable: true });
      await services.classification.classify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['+a', '+d<a']);
      assert.deepEqual(await labels(t, 'b'), ['PII:m(a)']);
      assert.deepEqual(await labels(t, 'c'), []);
      // GDPR is not maskable: a hashed identifier is still personal data.
      await services.classification.classify(v, qn('a'), 'GDPR');
      assert.deepEqual(summary(await drain(t)), ['+a', '+b<a', '+c<a', '+d<a']);
      assert.deepEqual(await labels(t, 'b'), ['GDPR:p(a)', 'PII:m(a)']);
      // The masked row is blocked and out of effect everywhere: the type's count and the asset's in-effect view.
      const [asset] = await store.tenant(t).assetsByQualifiedNames([qn('b')]);
      const state = (await store.tenant(t).classificationStates([asset!.id])).get(asset!.id);
      assert.deepEqual(
        assignmentViews(state, false).map((x) => x.name),
        ['GDPR'],
      );
      assert.deepEqual((await store.tenant(t).classificationCounts()).get('PII'), { direct: 1, propagated: 1 });
    });

    it('masking: an unmasked path still carries it, whichever path is met first; a cycle through a masking edge ends', async () => {
      // b is one masking hop from a and two open hops away; e is past b; b~>a closes a cycle.
      const { v, t } = await graph('a~>b', 'a>c', 'c>b', 'b>e', 'b~>a', 'a~>f');
      await services.classification.define(v, { name: 'PII', maskable: true });
      await services.classification.classify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['+a', '+b<a', '+c<a', '+e<a']);
      assert.deepEqual(await labels(t, 'b'), ['PII:p(a)']);
      assert.deepEqual(await labels(t, 'f'), ['PII:m(a)']);
      // Only the masked path left: b is stopped, and what is past it goes.
      await services.lineage.remove(v, [{ from: qn('c'), to: qn('b') }]);
      assert.deepEqual(summary(await drain(t)), ['-b<a', '-e<a']);
      assert.deepEqual(await labels(t, 'b'), ['PII:m(a)']);
    });

    it('masking: an edge’s flag or the type’s maskable setting changing recomputes what crosses, with its events', async () => {
      const { v, t } = await graph('a>b', 'b>c');
      await services.classification.define(v, { name: 'PII', maskable: true });
      await services.classification.classify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['+a', '+b<a', '+c<a']);
      const remasked = await services.lineage.add(v, [{ from: qn('a'), to: qn('b'), masking: true }]);
      assert.equal(remasked.changed, 1);
      assert.deepEqual(summary(await drain(t)), ['-b<a', '-c<a']);
      assert.equal((await services.lineage.add(v, [{ from: qn('a'), to: qn('b'), masking: true }])).changed, 0, 'same flag: no change');
      assert.deepEqual(await drain(t), []);
      const type = await services.classification.define(v, { name: 'PII', maskable: false });
      assert.deepEqual([type.maskable, type.propagateByDefault], [false, true]);
      assert.deepEqual(summary(await drain(t)), ['+b<a', '+c<a']);
      await services.classification.define(v, { name: 'PII', description: 'Personal data' });
      assert.deepEqual(await drain(t), [], 'maskable unchanged when not given');
      await services.classification.define(v, { name: 'PII', maskable: true });
      assert.deepEqual(summary(await drain(t)), ['-b<a', '-c<a']);
      await services.lineage.add(v, [{ from: qn('a'), to: qn('b') }]);
      assert.deepEqual(summary(await drain(t)), ['+b<a', '+c<a']);
      const [edge] = await store.tenant(t).edgesOf([(await store.tenant(t).assetsByQualifiedNames([qn('a')]))[0]!.id], 'DOWNSTREAM');
      assert.equal(edge?.masking, false);
    });

    it('masking: a steward block on a masked asset shows as the steward’s, and masking again once unblocked', async () => {
      const { v, t } = await graph('a~>b');
      await services.classification.define(v, { name: 'PII', maskable: true });
      await services.classification.classify(v, qn('a'), 'PII');
      await services.classification.block(v, qn('b'), 'PII');
      assert.deepEqual(await labels(t, 'b'), ['PII:b(a)']);
      await services.classification.unblock(v, qn('b'), 'PII');
      assert.deepEqual(await labels(t, 'b'), ['PII:m(a)']);
      assert.deepEqual(summary(await drain(t)), ['+a'], 'b never had it in effect');
    });

    it('rule 4: a propagated assignment never overwrites a direct one; both show, with sources', async () => {
      const { v, t } = await graph('a>b');
      await services.classification.classify(v, qn('b'), 'PII', false);
      await services.classification.classify(v, qn('a'), 'PII');
      await drain(t);
      assert.deepEqual(await labels(t, 'b'), ['PII:d', 'PII:p(a)']);
      await services.classification.declassify(v, qn('a'), 'PII');
      assert.deepEqual(summary(await drain(t)), ['-a', '-b<a']);
      assert.deepEqual(await labels(t, 'b'), ['PII:d']);
    });

    it('honours propagate=false, and switching it on later propagates', async () => {
      const { v, t } = await graph('a>b');
      await services.classification.classify(v, qn('a'), 'PII', false);
      assert.deepEqual(summary(await drain(t)), ['+a']);
      await services.classification.classify(v, qn('a'), 'PII', true);
      assert.deepEqual(summary(await drain(t)), ['+b<a']);
      const again = await services.classification.classify(v, qn('a'), 'PII', true);
      assert.deepEqual([again.added, again.removed], [0, 0]);
      assert.deepEqual(await drain(t), []);
    });

    it('deleting a source withdraws its propagation; deleting a table deletes its columns too', async () => {
      const { v, t } = await graph('a>b');
      await services.classification.classify(v, qn('a'), 'PII');
      await drain(t);
      const deleted = await services.assets.delete(v, [qn('a'), qn('missing')]);
      assert.deepEqual(deleted, { deleted: [qn('a')], notFound: [qn('missing')] });
      assert.deepEqual(summary(await drain(t)), ['-a', '-b<a']);
      await services.assets.upsert(v, [
        { qualifiedName: 'pg://h/db', kind: 'DATABASE' },
        { qualifiedName: 'pg://h/db.s', kind: 'SCHEMA', parentQualifiedName: 'pg://h/db' },
        { qualifiedName: 'pg://h/db.s.t', kind: 'TABLE', parentQualifiedName: 'pg://h/db.s' },
        { qualifiedName: 'pg://h/db.s.t.c', kind: 'COLUMN', parentQualifiedName: 'pg://h/db.s.t' },
      ]);
      const cascade = await services.assets.delete(v, ['pg://h/db.s']);
      assert.deepEqual(new Set(cascade.deleted), new Set(['pg://h/db.s', 'pg://h/db.s.t', 'pg://h/db.s.t.c']));
      assert.equal(await store.tenant(t).countAssets({ qualifiedNamePrefix: 'pg://' }), 1);
    });

    it('deleting an asset in the middle of a path withdraws what flowed through it', async () => {
      const { v, t } = await graph('a>b', 'b>c');
      await services.classification.classify(v, qn('a'), 'PII');
      await drain(t);
      await services.assets.delete(v, [qn('b')]);
      assert.deepEqual(summary(await drain(t)), ['-b<a', '-c<a']);
    });

    it('emits one event for an asset that concurrent classifications from two sources reach', async () => {
      const { v, t } = await graph(...Array.from({ length: 8 }, (_, i) => [`a${i}>x`, `b${i}>x`]).flat(), 'x>y');
      // Sixteen sources at once, all flowing into x: x (and y) appear once, whoever commits first.
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => [
          services.classification.classify(v, qn(`a${i}`), 'PII'),
          services.classification.classify(v, qn(`b${i}`), 'PII'),
        ]).flat(),
      );
      const events = await drain(t);
      assert.equal(events.filter((e) => e.asset.name === 'x').length, 1);
      assert.equal(events.filter((e) => e.asset.name === 'y').length, 1);
      assert.equal((await labels(t, 'y'))[0]?.split(',').length, 16);
    });

    it('rejects bad input with BAD_USER_INPUT and changes nothing', async () => {
      const { v, t } = await graph('a>b');
      const count = () => store.tenant(t).countAssets({});
      const before = await count();
      const bad = async (work: Promise<unknown>, pattern: RegExp) => {
        await assert.rejects(work, (e: unknown) => e instanceof DomainError && e.code === 'BAD_USER_INPUT' && pattern.test(e.message));
      };
      await bad(
        services.assets.upsert(v, [
          { qualifiedName: qn('ok'), kind: 'TABLE' },
          { qualifiedName: qn('bad'), kind: 'SPREADSHEET' },
        ]),
        /unknown kind/,
      );
      await bad(services.assets.upsert(v, [{ qualifiedName: 'no scheme here', kind: 'TABLE' }]), /not a qualified name/);
      await bad(
        services.assets.upsert(v, [{ qualifiedName: qn('col'), kind: 'COLUMN', parentQualifiedName: qn('nowhere') }]),
        /does not exist/,
      );
      await bad(services.assets.upsert(v, [{ qualifiedName: qn('t'), kind: 'TABLE', attributes: [1, 2] }]), /JSON object/);
      await bad(
        services.assets.upsert(
          v,
          Array.from({ length: 1001 }, (_, i) => ({ qualifiedName: qn(`n${i}`), kind: 'TABLE' })),
        ),
        /at most 1000/,
      );
      await bad(services.lineage.add(v, [{ from: qn('a'), to: qn('ghost') }]), /ghost does not exist/);
      await bad(services.lineage.add(v, [{ from: qn('a'), to: qn('a') }]), /two different assets/);
      await bad(services.classification.classify(v, qn('a'), 'UNDEFINED_TAG'), /not defined/);
      await bad(services.classification.classify(v, qn('a'), 'bad name!'), /not a classification name/);
      assert.equal(await count(), before);
      assert.deepEqual(await drain(t), []);
      await assert.rejects(
        services.classification.classify(v, qn('ghost'), 'PII'),
        (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND',
      );
      await assert.rejects(
        services.assets.upsert(v, [{ qualifiedName: qn('a'), kind: 'TABLE' }]),
        (e: unknown) => e instanceof DomainError && e.code === 'CONFLICT',
      );
    });

    it('upserts idempotently: the same input twice bumps no version; a change bumps it and records history', async () => {
      const { v, t } = await graph();
      const input = {
        qualifiedName: qn('t'),
        kind: 'TABLE',
        description: 'Orders',
        owners: ['ann'],
        attributes: { b: 1, a: { y: 2, x: 1 } },
      };
      const first = await services.assets.upsert(v, [input]);
      assert.equal(first.results[0]?.status, 'CREATED');
      const same = await services.assets.upsert(v, [{ ...input, attributes: { a: { x: 1, y: 2 }, b: 1 } }]);
      assert.equal(same.results[0]?.status, 'UNCHANGED');
      assert.equal(same.results[0]?.asset.version, 1);
      const changed = await services.assets.upsert(v, [{ qualifiedName: qn('t'), kind: 'TABLE', description: 'All orders' }]);
      assert.equal(changed.results[0]?.status, 'UPDATED');
      assert.equal(changed.results[0]?.asset.version, 2);
      assert.deepEqual(changed.results[0]?.asset.owners, ['ann']);
      const history = await services.assets.history(v, changed.results[0]?.asset ?? assert.fail('no asset'));
      assert.deepEqual(
        history.edges.map((e) => [e.node.change, e.node.version, e.node.actor]),
        [
          ['UPDATED', 2, v.subject],
          ['CREATED', 1, v.subject],
        ],
      );
      assert.deepEqual((history.edges[0]?.node.before as { description: string }).description, 'Orders');
      assert.deepEqual((history.edges[0]?.node.after as { description: string }).description, 'All orders');
      const assetEvents = (await store.outbox.pending(1_000_000)).filter((p) => p.event.tenant === t && p.event.type === 'asset.changed');
      assert.equal(assetEvents.length, 2);
    });

    it('enforces containment rules and refuses containment cycles', async () => {
      const { v } = await graph();
      await assert.rejects(
        services.assets.upsert(v, [
          { qualifiedName: 'pg://h/db', kind: 'DATABASE' },
          { qualifiedName: 'pg://h/db.c', kind: 'COLUMN', parentQualifiedName: 'pg://h/db' },
        ]),
        /cannot be contained in a DATABASE/,
      );
      await services.assets.upsert(v, [
        { qualifiedName: qn('s1'), kind: 'COLUMN' },
        { qualifiedName: qn('s2'), kind: 'COLUMN', parentQualifiedName: qn('s1') },
      ]);
      await assert.rejects(
        services.assets.upsert(v, [{ qualifiedName: qn('s1'), kind: 'COLUMN', parentQualifiedName: qn('s2') }]),
        /cycle/,
      );
      // A chain whose middle no batch names: the walk reads c3 and c2 from the store to find the loop.
      await services.assets.upsert(v, [
        { qualifiedName: qn('c1'), kind: 'COLUMN' },
        { qualifiedName: qn('c2'), kind: 'COLUMN', parentQualifiedName: qn('c1') },
        { qualifiedName: qn('c3'), kind: 'COLUMN', parentQualifiedName: qn('c2') },
        { qualifiedName: qn('c4'), kind: 'COLUMN', parentQualifiedName: qn('c3') },
      ]);
      await assert.rejects(
        services.assets.upsert(v, [
          { qualifiedName: qn('c0'), kind: 'COLUMN', parentQualifiedName: qn('c4') },
          { qualifiedName: qn('c1'), kind: 'COLUMN', parentQualifiedName: qn('c4') },
        ]),
        /containment would form a cycle/,
      );
      assert.equal(await services.assets.get(v, { qualifiedName: qn('c0') }), null, 'a refused batch writes nothing');
      // The same chain, extended without a loop, is accepted.
      const [extended] = (await services.assets.upsert(v, [{ qualifiedName: qn('c5'), kind: 'COLUMN', parentQualifiedName: qn('c4') }]))
        .results;
      assert.equal(extended?.status, 'CREATED');
    });

    describe('large propagations in the background', () => {
      // Units changing more than 3 rows go to the worker, which applies 2 rows per transaction.
      let bg: Services;
      before(() => {
        bg = createServices({
          store,
          feed: createEmbeddedFeed(),
          limits: { maxBatch: 1000, maxLineageDepth: 10, maxLineageNodes: 5000, maxLineageEdges: 10_000, maxSyncPropagation: 3 },
          log: silentLog,
        });
      });
      const chain = (n: number) => graph(...Array.from({ length: n }, (_, i) => `n${i}>n${i + 1}`));
      const downstream = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `n${from + i}`);

      async function work(): Promise<void> {
        const worker = createPropagationWorker({ store, jobs: bg.propagationJobs, log: silentLog, chunkSize: 2, pollMs: 20 });
        await worker.start();
        await worker.idle();
        await worker.stop();
      }

      async function jobOf(t: string, id: string | undefined) {
        const [job] = await store.tenant(t).propagationJobs([id ?? assert.fail('no job')]);
        return job ?? assert.fail('job not found');
      }

      it('hands a unit over the sync limit to the worker, which applies it in chunks with one event per asset', async () => {
        const { v, t } = await chain(8);
        const outcome = await bg.classification.classify(v, qn('n0'), 'PII');
        assert.deepEqual([outcome.added, outcome.jobs.length, outcome.jobs[0]?.status, outcome.jobs[0]?.generation], [1, 1, 'PENDING', 1]);
        assert.deepEqual(summary(await drain(t)), ['+n0']);
        assert.deepEqual(await labels(t, 'n8'), [], 'not applied by the mutation');
        await work();
        const job = await jobOf(t, outcome.jobs[0]?.id);
        assert.deepEqual([job.status, job.total, job.applied, job.actor, job.finishedAt !== null], ['DONE', 8, 8, v.subject, true]);
        assert.deepEqual(
          summary(await drain(t)),
          downstream(1, 8)
            .map((n) => `+${n}<n0`)
            .sort(),
        );
        assert.deepEqual(await labels(t, 'n8'), ['PII:p(n0)']);

        const removal = await bg.classification.declassify(v, qn('n0'), 'PII');
        assert.deepEqual([removal.removed, removal.jobs[0]?.id, removal.jobs[0]?.generation], [1, job.id, 2]);
        await work();
        assert.deepEqual(summary(await drain(t)), ['-n0', ...downstream(1, 8).map((n) => `-${n}<n0`)].sort());
        assert.deepEqual(await labels(t, 'n8'), []);
      });

      it('gives the worker’s events the contents the mutation’s own would have: records, classifications after, in order', async () => {
        // n0's GDPR reaches n1..n5: n1 has PII of its own, n2 and n3 PII from y, x's GDPR holds
        // n4 (no event), n5 blocks GDPR (a blocked row, no event). The same steps run in the
        // mutation (sync limit 1000) in one tenant and in the worker's chunks of 2 in another.
        const edges = ['n0>n1', 'n1>n2', 'n2>n3', 'n3>n4', 'n4>n5', 'n5>n6', 'x>n4', 'y>n2'];
        async function scenario(via: Services, background: boolean): Promise<string[][]> {
          const { v, t } = await graph(...edges);
          await services.classification.classify(v, qn('n1'), 'PII', false);
          await services.classification.classify(v, qn('y'), 'PII');
          await services.classification.classify(v, qn('x'), 'GDPR');
          await services.classification.block(v, qn('n5'), 'GDPR');
          await drain(t);
          const names = new Map<string, string>();
          const rendered = async () => {
            const events = await drain(t);
            const ids = events.flatMap((e) => e.classificationsAfter?.propagated.map((p) => p.sourceId) ?? []);
            for (const a of await store.tenant(t).assetsByIds(ids)) names.set(a.id, a.name);
            return events
              .map((e) => {
                const s = e.classificationsAfter;
                const state = s
                  ? [
                      ...s.direct.map((d) => `${d.classification}${d.propagate ? '' : '!'}`),
                      ...s.propagated.map((p) => `${p.classification}<${names.get(p.sourceId)}`),
                    ]
                  : ['deleted'];
                return `${e.change === 'ADDED' ? '+' : '-'}${e.classification}@${e.asset.name}/${e.asset.kind}/v${e.asset.version}<${e.source?.name ?? '-'}: ${state.join(' ')}`;
              })
              .sort();
          };
          const steps: string[][] = [];
          const outcome = await via.classification.classify(v, qn('n0'), 'GDPR');
          assert.equal(outcome.jobs.length, background ? 1 : 0);
          if (background) await work();
          steps.push(await rendered());
          await via.classification.declassify(v, qn('n0'), 'GDPR');
          if (background) await work();
          steps.push(await rendered());
          return steps;
        }
        const inline = await scenario(services, false);
        assert.deepEqual(inline, [
          [
            '+GDPR@n0/COLUMN/v1<-: GDPR',
            '+GDPR@n1/COLUMN/v1<n0: PII! GDPR<n0',
            '+GDPR@n2/COLUMN/v1<n0: GDPR<n0 PII<y',
            '+GDPR@n3/COLUMN/v1<n0: GDPR<n0 PII<y',
          ],
          ['-GDPR@n0/COLUMN/v1<-: ', '-GDPR@n1/COLUMN/v1<n0: PII!', '-GDPR@n2/COLUMN/v1<n0: PII<y', '-GDPR@n3/COLUMN/v1<n0: PII<y'],
        ]);
        assert.deepEqual(await scenario(bg, true), inline);
      });

      it('starts a job over from the current graph when its unit changes while it runs', async () => {
        const { v, t } = await chain(8);
        const {
          jobs: [queued],
        } = await bg.classification.classify(v, qn('n0'), 'PII');
        const claim = (await store.propagationQueue.claim('test-worker', 60_000, queued?.id)) ?? assert.fail('not claimed');
        let chunks = 0;
        const outcome = await bg.propagationJobs.run(claim, {
          chunkSize: 2,
          renew: () => Promise.resolve(true),
          stopping: () => false,
          // After the first chunk, the steward takes the classification back: the run must not carry on with its old plan.
          onChunk: async () => {
            if (chunks++ === 0) assert.equal((await bg.classification.declassify(v, qn('n0'), 'PII')).jobs[0]?.generation, 2);
          },
        });
        await store.propagationQueue.release('test-worker', claim.job.id);
        assert.equal(outcome, 'done');
        const job = await jobOf(t, queued?.id);
        assert.deepEqual([job.status, job.generation, job.total, job.applied], ['DONE', 2, 2, 2]);
        assert.deepEqual(summary(await drain(t)), ['+n0', '+n1<n0', '+n2<n0', '-n0', '-n1<n0', '-n2<n0']);
        for (const n of downstream(1, 8)) assert.deepEqual(await labels(t, n), [], n);
      });

      it('resumes a job interrupted between chunks where it stopped, without repeating an event', async () => {
        const { v, t } = await chain(8);
        const {
          jobs: [queued],
        } = await bg.classification.classify(v, qn('n0'), 'PII');
        // The first worker "dies" after one chunk: it neither finishes nor releases, its lease runs out.
        const first = (await store.propagationQueue.claim('worker-a', 1, queued?.id)) ?? assert.fail('not claimed');
        let chunks = 0;
        const stopped = await bg.propagationJobs.run(first, {
          chunkSize: 2,
          renew: () => Promise.resolve(true),
          stopping: () => chunks > 0,
          onChunk: () => {
            chunks++;
          },
        });
        assert.equal(stopped, 'stopped');
        const midway = await jobOf(t, queued?.id);
        assert.deepEqual([midway.status, midway.applied, midway.total], ['RUNNING', 2, 8]);
        assert.deepEqual(summary(await drain(t)), ['+n0', '+n1<n0', '+n2<n0']);
        await new Promise((r) => setTimeout(r, 20));
        await work();
        const job = await jobOf(t, queued?.id);
        assert.deepEqual([job.status, job.applied, job.total], ['DONE', 8, 8]);
        assert.deepEqual(
          summary(await drain(t)),
          downstream(3, 8)
            .map((n) => `+${n}<n0`)
            .sort(),
        );
        assert.deepEqual(await labels(t, 'n8'), ['PII:p(n0)']);
      });

      it('withdraws a deleted source’s large propagation in the background, with its events', async () => {
        const { v, t } = await chain(8);
        await bg.classification.classify(v, qn('n0'), 'PII');
        await work();
        await drain(t);
        await bg.assets.delete(v, [qn('n0')]);
        assert.deepEqual(await labels(t, 'n8'), ['PII:p()'], 'withdrawn by the worker, not by the delete');
        await work();
        // The source no longer exists when the worker withdraws its rows: the events say so with a null source.
        const events = (await drain(t)).filter((e) => e.propagated);
        assert.deepEqual(
          events.map((e) => `${e.change} ${e.asset.name} ${e.source?.name ?? null}`).sort(),
          downstream(1, 8)
            .map((n) => `REMOVED ${n} null`)
            .sort(),
        );
        assert.deepEqual(await labels(t, 'n8'), []);
      });
    });
  });
}
