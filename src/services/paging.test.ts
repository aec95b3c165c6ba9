import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paginate } from './paging.js';

describe('paginate', () => {
  const list = () => Promise.resolve({ items: [{ node: 'a', cursor: 'c1' }], hasNextPage: true });

  it('counts the listing only when its total is asked for, and once', async () => {
    let counts = 0;
    const count = () => Promise.resolve(++counts * 1000);
    const page = await paginate(1, null, list, count);
    assert.deepEqual(
      page.edges.map((e) => e.node),
      ['a'],
    );
    assert.equal(counts, 0, 'a page read without its total does not count');
    assert.equal(await page.totalCount(), 1000);
    assert.equal(await page.totalCount(), 1000);
    assert.equal(counts, 1);
  });

  it('refuses a page size out of bounds before reading anything', async () => {
    let read = 0;
    await assert.rejects(
      paginate(
        501,
        null,
        () => (read++, list()),
        () => Promise.resolve(0),
      ),
      /first must be between 0 and 500/,
    );
    assert.equal(read, 0);
  });
});
