// Property suite over generated graphs that multiply: random edges with cycles, dense layers
// (every asset of one group feeding every asset of another) and wide fan-outs from a hub. Every
// adapter's traversal and propagation reach must agree with a plain reference model on them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { AssetRecord } from '../../src/domain/model.js';
import type { EdgeDirection, GraphStore } from '../../src/store/ports/index.js';
import { type StoreFactory, type StoreHandle, assetRecord, qn, uniqueTenant } from '../support/fixtures.js';

interface Shape {
  n: number;
  edges: [number, number][];
  root: number;
}

/** A graph of n assets: random edges, maybe a dense layer, maybe a hub with a wide fan-out; no self-loops, no duplicates. */
const graphs = fc
  .integer({ min: 2, max: 40 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      random: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
      dense: fc.option(
        fc.tuple(
          fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 10 }),
          fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 10 }),
        ),
      ),
      hub: fc.option(fc.tuple(fc.nat(n - 1), fc.uniqueArray(fc.nat(n - 1), { maxLength: n }))),
      root: fc.nat(n - 1),
    }),
  )
  .map(({ n, random, dense, hub, root }): Shape => {
    const all = [
      ...random,
      ...(dense ? dense[0].flatMap((a) => dense[1].map((b): [number, number] => [a, b])) : []),
      ...(hub ? hub[1].map((b): [number, number] => [hub[0], b]) : []),
    ];
    const unique = new Map(all.filter(([a, b]) => a !== b).map((e) => [`${e[0]}>${e[1]}`, e]));
    return { n, edges: [...unique.values()], root };
  });

/** Distances from the root along the direction (breadth-first, whole graph). */
function distances(shape: Shape, direction: EdgeDirection): Map<number, number> {
  const out = new Map<number, number[]>();
  for (const [a, b] of shape.edges) {
    const [from, to] = direction === 'DOWNSTREAM' ? [a, b] : [b, a];
    out.set(from, [...(out.get(from) ?? []), to]);
  }
  const dist = new Map([[shape.root, 0]]);
  for (let frontier = [shape.root]; frontier.length > 0;) {
    const next: number[] = [];
    for (const x of frontier)
      for (const y of out.get(x) ?? [])
        if (!dist.has(y)) {
          dist.set(y, dist.get(x)! + 1);
          next.push(y);
        }
    frontier = next;
  }
  return dist;
}

export function graphPropertiesContract(factory: StoreFactory, numRuns: number): void {
  describe(`graph properties on dense graphs and wide fan-outs: ${factory.name}`, () => {
    let handle: StoreHandle;
    let store: GraphStore;
    before(async () => {
      handle = await factory.open();
      store = handle.store;
    });
    after(async () => handle.close());

    async function write(shape: Shape): Promise<{ tenant: string; assets: AssetRecord[] }> {
      const tenant = uniqueTenant('prop');
      const assets = Array.from({ length: shape.n }, (_, i) => assetRecord('TABLE', qn(`n${i}`)));
      await store.tenant(tenant).transaction(async (tx) => {
        await tx.writeAssets(assets);
        await tx.addEdges(
          shape.edges.map(([a, b]) => ({ fromId: assets[a]!.id, toId: assets[b]!.id, processId: null, masking: false })),
          'test',
          new Date().toISOString(),
        );
      });
      return { tenant, assets };
    }

    it('traverses within its bounds, every edge real, and says truncated exactly when the reference graph does not fit', async () => {
      const bounds = fc.record({
        depth: fc.integer({ min: 1, max: 6 }),
        maxNodes: fc.integer({ min: 1, max: 50 }),
        maxEdges: fc.integer({ min: 1, max: 150 }),
        direction: fc.constantFrom<EdgeDirection>('DOWNSTREAM', 'UPSTREAM'),
      });
      await fc.assert(
        fc.asyncProperty(graphs, bounds, async (shape, { depth, maxNodes, maxEdges, direction }) => {
          const { tenant, assets } = await write(shape);
          const index = new Map(assets.map((a, i) => [a.id, i]));
          const graph = store.tenant(tenant);
          const got = await graph.traverse(assets[shape.root]!.id, direction, depth, { maxNodes, maxEdges });
          // The lineage answer is the same traversal with the nodes' records, whichever way the store reads it.
          const view = await graph.lineage(assets[shape.root]!.qualifiedName, [direction], depth, { maxNodes, maxEdges });
          assert.deepEqual(
            view?.nodes.map((a) => a.id),
            got.nodeIds,
          );
          assert.deepEqual(view?.edges, got.edges);
          assert.equal(view?.truncated, got.truncated);
          const other = direction === 'DOWNSTREAM' ? 'UPSTREAM' : 'DOWNSTREAM';
          const both = await graph.lineage(assets[shape.root]!.qualifiedName, [direction, other], depth, { maxNodes, maxEdges });
          const back = await graph.traverse(assets[shape.root]!.id, other, depth, { maxNodes, maxEdges });
          assert.deepEqual(
            both?.nodes.map((a) => a.id),
            [...new Set([...got.nodeIds, ...back.nodeIds])],
          );
          assert.equal(both?.truncated, got.truncated || back.truncated);
          assert.equal(both?.edges.length, new Set([...got.edges, ...back.edges].map((e) => `${e.fromId}>${e.toId}`)).size);
          const nodes = new Set(got.nodeIds.map((id) => index.get(id)!));
          const edges = new Set(got.edges.map((e) => `${index.get(e.fromId)}>${index.get(e.toId)}`));
          assert.ok(nodes.size <= maxNodes && got.edges.length <= maxEdges, 'within its bounds');
          assert.ok(nodes.has(shape.root), 'the root is a node');
          const real = new Set(shape.edges.map(([a, b]) => `${a}>${b}`));
          for (const e of got.edges) {
            assert.ok(real.has(`${index.get(e.fromId)}>${index.get(e.toId)}`), 'every edge exists');
            assert.ok(nodes.has(index.get(e.fromId)!) && nodes.has(index.get(e.toId)!), 'both ends of every edge are nodes');
          }
          // The reference: nodes within depth, edges out of nodes nearer than depth, and what lies past the depth.
          const dist = distances(shape, direction);
          const near = (x: number) => (dist.get(x) ?? Infinity) <= depth;
          const refNodes = [...dist.keys()].filter(near);
          const refEdges = shape.edges.filter(([a, b]) => (dist.get(direction === 'DOWNSTREAM' ? a : b) ?? Infinity) < depth);
          const pastDepth = shape.edges.some(([a, b]) => {
            const [from, to] = direction === 'DOWNSTREAM' ? [a, b] : [b, a];
            return dist.get(from) === depth && !near(to);
          });
          const fits = refNodes.length <= maxNodes && refEdges.length <= maxEdges;
          if (fits) {
            assert.equal(got.truncated, pastDepth, 'truncated only when the depth cut the graph');
            assert.deepEqual(
              [...nodes].sort((x, y) => x - y),
              refNodes.sort((x, y) => x - y),
            );
            assert.deepEqual([...edges].sort(), refEdges.map(([a, b]) => `${a}>${b}`).sort());
          } else {
            assert.equal(got.truncated, true, 'a graph over the bounds is truncated');
          }
        }),
        { numRuns, seed: 20261201 },
      );
    });

    it('reaches for propagation exactly what the reference reaches: everything downstream, stopping at and marking blocked assets', async () => {
      await fc.assert(
        fc.asyncProperty(graphs, fc.uniqueArray(fc.nat(39), { maxLength: 6 }), async (shape, blockedAt) => {
          const { tenant, assets } = await write(shape);
          const blocked = new Set(blockedAt.filter((i) => i < shape.n && i !== shape.root));
          const at = new Date().toISOString();
          await store.tenant(tenant).transaction(async (tx) => {
            for (const i of blocked) await tx.setBlock({ assetId: assets[i]!.id, classification: 'PII', addedAt: at, addedBy: 'test' });
          });
          const index = new Map(assets.map((a, i) => [a.id, i]));
          let got: string[] = [];
          await store.tenant(tenant).transaction(async (tx) => {
            got = (await tx.reach({ sourceId: assets[shape.root]!.id, classification: 'PII' })).map(
              (r) => `${index.get(r.assetId)}${r.blocked ? 'b' : ''}`,
            );
          });
          // Reference: breadth-first from the source, a blocked asset is reached but not passed, the source never reaches itself.
          const seen = new Set<number>([shape.root]);
          const want: string[] = [];
          for (let frontier = [shape.root]; frontier.length > 0;) {
            const next: number[] = [];
            for (const x of frontier) {
              for (const [a, b] of shape.edges) {
                if (a !== x || seen.has(b)) continue;
                seen.add(b);
                want.push(`${b}${blocked.has(b) ? 'b' : ''}`);
                if (!blocked.has(b)) next.push(b);
              }
            }
            frontier = next;
          }
          assert.deepEqual(got.sort(), want.sort());
        }),
        { numRuns, seed: 20261202 },
      );
    });
  });
}
