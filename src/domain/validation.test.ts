// Input rules that are easy to get subtly wrong: nesting depth read from the text, lone surrogates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { illFormedAt, textNestingDepth } from './validation.js';

describe('input rules', () => {
  it('reads the nesting depth of a JSON text, not fooled by brackets inside strings', () => {
    assert.equal(textNestingDepth('{"a":[1,{"b":[]}]}'), 4);
    assert.equal(textNestingDepth('"[[[[" '), 0);
    assert.equal(textNestingDepth('{"k":"\\"[[[\\\\","v":[]}'), 2);
    assert.equal(textNestingDepth(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), 200_000);
  });

  it('finds the first lone surrogate in a value, keys included, and passes well-formed text', () => {
    assert.equal(illFormedAt({ a: ['ok', '💥 é'] }), null);
    assert.equal(illFormedAt({ a: ['ok', 'x\ud800'] }), '/a/1');
    assert.equal(illFormedAt({ ['k\udc00']: 1 }), '/k\udc00');
    assert.equal(illFormedAt('\ud83d'), '/');
  });
});
