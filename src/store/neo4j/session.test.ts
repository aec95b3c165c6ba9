import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import neo4j from 'neo4j-driver';
import { integers } from './session.js';

describe('Cypher parameters', () => {
  it('turns integral numbers into Cypher integers at any depth, and leaves floats and strings', () => {
    const out = integers({ limit: 5, ratio: 0.5, rows: [{ id: 'a', version: 2 }, { id: 'b' }], names: ['x', 'y'] }) as Record<
      string,
      unknown
    >;
    assert.ok(neo4j.isInt(out.limit));
    assert.equal(out.ratio, 0.5);
    const rows = out.rows as Record<string, unknown>[];
    assert.ok(neo4j.isInt(rows[0]!.version));
    assert.equal((rows[0]!.version as { toNumber(): number }).toNumber(), 2);
    assert.deepEqual(rows[1], { id: 'b' });
  });

  it('copies only what holds an integer: the values passed in are never changed', () => {
    const names = ['x', 'y'];
    const row = { id: 'a', version: 1 };
    const params = { names, rows: [row], at: null };
    const out = integers(params) as typeof params;
    assert.equal(out.names, names, 'an array of strings is passed as it is');
    assert.notEqual(out.rows[0], row);
    assert.equal(row.version, 1, 'the input row keeps its number');
    assert.equal(out.at, null);
  });
});
