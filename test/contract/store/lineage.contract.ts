// The graph store contract, lineage: edges and traversal (src/store/ports/lineage.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoreContract } from './context.js';
import { assetRecord, qn, uniqueTenant } from '../../support/fixtures.js';

export function lineageContract(ctx: StoreContract): void {
  it('adds edges idempotently and removes them by process or through any process', async () => {
    const t = uniqueTenant();
    const [a, b, p1, p2] = [
      assetRecord('TABLE', qn('a')),
      assetRecord('TABLE', qn('b')),
      assetRecord('PIPELINE', qn('p1')),
      assetRecord('PIPELINE', qn('p2')),
    ];
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([a, b, p1, p2]);
      const first = await tx.addEdges(
        [
          { fromId: a.id, toId: b.id, processId: p1.id, masking: false },
          { fromId: a.id, toId: b.id, processId: p2.id, masking: false },
        ],
        'test',
        a.createdAt,
      );
      assert.equal(first.length, 2);
      const again = await tx.addEdges([{ fromId: a.id, toId: b.id, processId: p1.id, masking: false }], 'test', a.createdAt);
      assert.equal(again.length, 0);
    });
    assert.equal((await ctx.store.tenant(t).edgesOf([a.id], 'DOWNSTREAM')).length, 2);
    assert.equal((await ctx.store.tenant(t).edgesOf([b.id], 'UPSTREAM')).length, 2);
    await ctx.write(t, async (tx) => {
      assert.equal((await tx.removeEdges([{ fromId: a.id, toId: b.id, processId: p1.id }])).length, 1);
      assert.equal((await tx.removeEdges([{ fromId: a.id, toId: b.id, processId: null }])).length, 1);
    });
    assert.deepEqual(await ctx.store.tenant(t).edgesOf([a.id], 'DOWNSTREAM'), []);
  });

  it('stores an edge’s masking flag, and reports an existing edge again when its flag changes', async () => {
    const t = uniqueTenant();
    const [a, b] = [assetRecord('COLUMN', qn('a')), assetRecord('COLUMN', qn('b'))];
    const edge = (masking: boolean) => ({ fromId: a.id, toId: b.id, processId: null, masking });
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([a, b]);
      assert.deepEqual(await tx.addEdges([edge(true)], 'test', a.createdAt), [edge(true)]);
      assert.deepEqual(await tx.addEdges([edge(true)], 'test', a.createdAt), []);
      assert.deepEqual(await tx.maskingEdgeStarts(), [a.id]);
    });
    const graph = ctx.store.tenant(t);
    assert.deepEqual(await graph.edgesOf([b.id], 'UPSTREAM'), [edge(true)]);
    await ctx.write(t, async (tx) => {
      assert.deepEqual(await tx.addEdges([edge(false)], 'test', a.createdAt), [edge(false)]);
      assert.deepEqual(await tx.maskingEdgeStarts(), []);
      assert.deepEqual(await tx.edgesTouching([a.id]), [edge(false)]);
    });
    assert.deepEqual((await graph.traverse(a.id, 'DOWNSTREAM', 2, { maxNodes: 10, maxEdges: 10 })).edges, [edge(false)]);
  });

  it('traverses breadth-first within depth, node and edge limits, ends on cycles, and flags truncation', async () => {
    const t = uniqueTenant();
    const n = ['a', 'b', 'c', 'd', 'e'].map((x) => assetRecord('TABLE', qn(x)));
    const [a, b, c, d, e] = n as [(typeof n)[0], (typeof n)[0], (typeof n)[0], (typeof n)[0], (typeof n)[0]];
    await ctx.write(t, async (tx) => {
      await tx.writeAssets(n);
      // a → b → c → d → e, and c → a closes a cycle.
      await tx.addEdges(
        [
          [a, b],
          [b, c],
          [c, d],
          [d, e],
          [c, a],
        ].map(([f, to]) => ({ fromId: f!.id, toId: to!.id, processId: null, masking: false })),
        'test',
        a.createdAt,
      );
    });
    const graph = ctx.store.tenant(t);
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
    // The lineage answer: the root's record first, then the nodes' in traversal order; no root, no answer.
    const view = await graph.lineage(a.qualifiedName, ['DOWNSTREAM'], 10, { maxNodes: 100, maxEdges: 100 });
    assert.deepEqual(view?.root, a);
    assert.deepEqual(
      view?.nodes.map((n) => n.id),
      full.nodeIds,
    );
    assert.deepEqual(view?.nodes[0], a);
    assert.equal(await graph.lineage(qn('nowhere'), ['DOWNSTREAM'], 2, { maxNodes: 10, maxEdges: 10 }), null);
    // A lookup stops reading at its limit, in a stable order.
    const all = await graph.edgesOf([a.id, b.id, c.id], 'DOWNSTREAM');
    assert.deepEqual(await graph.edgesOf([a.id, b.id, c.id], 'DOWNSTREAM', 2), all.slice(0, 2));
  });

  it('counts distinct immediate neighbours per asset and direction, in and out of a transaction, per tenant', async () => {
    const t = uniqueTenant();
    const [a, b, c, p1, p2] = [
      assetRecord('TABLE', qn('a')),
      assetRecord('TABLE', qn('b')),
      assetRecord('TABLE', qn('c')),
      assetRecord('PIPELINE', qn('p1')),
      assetRecord('PIPELINE', qn('p2')),
    ];
    const edge = (from: typeof a, to: typeof a, processId: string | null = null) => ({
      fromId: from.id,
      toId: to.id,
      processId,
      masking: false,
    });
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([a, b, c, p1, p2]);
      // a → b twice (through two processes: one neighbour), a → c, b → c.
      await tx.addEdges([edge(a, b, p1.id), edge(a, b, p2.id), edge(a, c), edge(b, c)], 'test', a.createdAt);
      assert.deepEqual(await tx.neighbourCounts([a.id], 'DOWNSTREAM'), new Map([[a.id, 2]]), 'reads see the transaction');
    });
    const graph = ctx.store.tenant(t);
    assert.deepEqual(
      await graph.neighbourCounts([a.id, b.id, c.id], 'DOWNSTREAM'),
      new Map([
        [a.id, 2],
        [b.id, 1],
        [c.id, 0],
      ]),
    );
    assert.deepEqual(
      await graph.neighbourCounts([a.id, b.id, c.id], 'UPSTREAM'),
      new Map([
        [a.id, 0],
        [b.id, 1],
        [c.id, 2],
      ]),
    );
    assert.deepEqual(await graph.neighbourCounts([], 'UPSTREAM'), new Map());
    assert.deepEqual(
      await ctx.store.tenant(uniqueTenant()).neighbourCounts([a.id], 'DOWNSTREAM'),
      new Map([[a.id, 0]]),
      'another tenant counts nothing',
    );
  });
}
