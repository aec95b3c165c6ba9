// The lineage explorer's model (web/src/pages/lineage-graph.ts), apart from drawing: expanding and
// collapsing, the "+N" counts, a node's whole path, and the linear layered layout used above
// ELK's limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DrawnGraph,
  type LineageNode,
  collapse,
  columnPathThrough,
  drawnNeighbours,
  emptyGraph,
  expand,
  hidden,
  layeredLayout,
  pathThrough,
} from '../../web/src/pages/lineage-graph.js';

const node = (id: string, upstreamCount = 0, downstreamCount = 0): LineageNode => ({
  id,
  qualifiedName: `pg://h:5432/db.s.${id}`,
  name: id,
  kind: 'TABLE',
  upstreamCount,
  downstreamCount,
  classifications: [],
  incidents: [],
});
const size = () => ({ width: 100, height: 40 });

/** root → a, b (of 3 downstream); a → c; up ← root. */
function sample(): DrawnGraph {
  let g = emptyGraph(node('root', 1, 3));
  g = expand(g, 'root', 'DOWNSTREAM', 2, [node('a', 1, 1), node('b', 1, 0)]);
  g = expand(g, 'root', 'UPSTREAM', 20, [node('up', 0, 1)]);
  g = expand(g, 'a', 'DOWNSTREAM', 20, [node('c', 1, 0)]);
  return g;
}

describe('the lineage explorer model', () => {
  it('counts what each node has not drawn yet, per direction', () => {
    const g = sample();
    assert.equal(hidden(g, 'root', 'DOWNSTREAM'), 1, 'three downstream, two drawn');
    assert.equal(hidden(g, 'root', 'UPSTREAM'), 0);
    assert.equal(hidden(g, 'a', 'DOWNSTREAM'), 0);
    assert.deepEqual([...drawnNeighbours(g, 'root', 'DOWNSTREAM')].sort(), ['a', 'b']);
    assert.deepEqual(drawnNeighbours(g, 'c', 'UPSTREAM'), ['a']);
    // Expanding again with an overlapping page draws each neighbour once.
    const again = expand(g, 'root', 'DOWNSTREAM', 22, [node('a', 1, 1), node('b', 1, 0), node('d')]);
    assert.equal(hidden(again, 'root', 'DOWNSTREAM'), 0);
    assert.equal(drawnNeighbours(again, 'root', 'DOWNSTREAM').length, 3);
    assert.equal(drawnNeighbours(g, 'root', 'DOWNSTREAM').length, 2, 'the earlier graph is unchanged');
  });

  it('collapses a direction with everything only reachable through it, and keeps what another path still reaches', () => {
    const g = sample();
    const down = collapse(g, 'root', 'DOWNSTREAM');
    assert.deepEqual([...down.nodes.keys()].sort(), ['root', 'up']);
    assert.equal(down.shown.get('root')?.DOWNSTREAM, 0);
    assert.equal(hidden(down, 'root', 'DOWNSTREAM'), 3);
    // c also hangs off b: collapsing a keeps c, reached through b.
    const diamond = expand(g, 'b', 'DOWNSTREAM', 20, [node('c', 2, 0)]);
    const kept = collapse(diamond, 'a', 'DOWNSTREAM');
    assert.ok(kept.nodes.has('c'));
    assert.deepEqual(drawnNeighbours(kept, 'c', 'UPSTREAM'), ['b']);
  });

  it('highlights a node’s whole path up and down, not its siblings', () => {
    assert.deepEqual([...pathThrough(sample(), 'a')].sort(), ['a', 'c', 'root', 'up']);
    assert.deepEqual([...pathThrough(sample(), 'b')].sort(), ['b', 'root', 'up']);
  });

  it('follows a column’s path up and down its column edges, not a sibling fed by the same source', () => {
    const links = [
      { from: 'raw.email', to: 'stg.email' },
      { from: 'raw.email', to: 'audit.email' },
      { from: 'stg.email', to: 'mart.email' },
      { from: 'raw.id', to: 'stg.id' },
    ];
    assert.deepEqual([...columnPathThrough(links, 'stg.email')].sort(), ['mart.email', 'raw.email', 'stg.email']);
    assert.deepEqual([...columnPathThrough(links, 'raw.email')].sort(), ['audit.email', 'mart.email', 'raw.email', 'stg.email']);
    assert.deepEqual([...columnPathThrough(links, 'lonely')], ['lonely']);
  });

  it('lays out by hop: upstream left, downstream right, each column centred and without overlaps', () => {
    const p = layeredLayout(sample(), size);
    const x = (id: string) => p.get(id)!.x;
    assert.ok(x('up') < x('root') && x('root') < x('a') && x('a') < x('c'));
    assert.equal(x('a'), x('b'));
    const column = [p.get('a')!.y, p.get('b')!.y].sort((m, n) => m - n);
    assert.ok(column[1]! - column[0]! >= 40, 'no overlap');
    assert.equal(column[0]! + column[1]! + 40, 0, 'centred on the root');
  });

  it('lays out a 10,000-node fan-out, every node in a place of its own', () => {
    const fan = Array.from({ length: 10_000 }, (_, i) => node(`t${i}`, 1, 0));
    const g = expand(emptyGraph(node('root', 0, fan.length)), 'root', 'DOWNSTREAM', fan.length, fan);
    const p = layeredLayout(g, size);
    assert.equal(p.size, 10_001);
    assert.equal(new Set([...p.values()].map((v) => v.y)).size, 10_001, 'every node has its own place');
    for (const n of fan) assert.equal(hidden(g, n.id, 'UPSTREAM'), 0);
  });
});
