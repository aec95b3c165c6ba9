import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlight } from './search.js';

describe('search highlights', () => {
  it('wraps the match, keeps context, and escapes HTML in the text', () => {
    assert.deepEqual(highlight('ORD', { name: 'orders', description: '<b>all</b> orders', owner: 'nobody' }), [
      { field: 'name', fragments: ['<em>ord</em>ers'] },
      { field: 'description', fragments: ['&#60;b&#62;all&#60;/b&#62; <em>ord</em>ers'] },
    ]);
    assert.deepEqual(highlight('  ', { name: 'x' }), []);
  });
});
