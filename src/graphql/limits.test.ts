import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.js';
import { cachedPreparation } from './limits.js';
import { buildSchema } from './schema.js';

const schema = buildSchema();
const limits = loadConfig({ JWT_SECRET: 'limits-test-secret-0123456789-0123456789' }).graphql;
const fanOut = 'query($n: Int!) { assets(first: $n) { edges { node { name children(first: $n) { edges { node { name } } } } } } }';

const documentOf = (r: ReturnType<ReturnType<typeof cachedPreparation>>) => {
  assert.ok('document' in r, JSON.stringify('errors' in r ? r.errors : r));
  return r.document;
};
const codesOf = (r: ReturnType<ReturnType<typeof cachedPreparation>>) => ('errors' in r ? r.errors.map((e) => e.extensions.code) : []);

describe('prepared documents for websocket operations', () => {
  it('parses and validates a query text once and shares its document', () => {
    const prepare = cachedPreparation(schema, limits);
    const query = 'subscription { assetChanged { eventId } }';
    assert.equal(documentOf(prepare({ query })), documentOf(prepare({ query })));
  });

  it('still checks the cost of a kept document against each request’s variables', () => {
    const prepare = cachedPreparation(schema, limits);
    const page = documentOf(prepare({ query: fanOut, variables: { n: 20 } }));
    assert.deepEqual(codesOf(prepare({ query: fanOut, variables: { n: 500 } })), ['GRAPHQL_VALIDATION_FAILED']);
    assert.equal(documentOf(prepare({ query: fanOut, variables: { n: 20 } })), page);
  });

  it('keeps no invalid document, and checks the operation name per request', () => {
    const prepare = cachedPreparation(schema, limits);
    assert.deepEqual(codesOf(prepare({ query: '{ nope ' })), ['GRAPHQL_PARSE_FAILED']);
    assert.deepEqual(codesOf(prepare({ query: '{ nope ' })), ['GRAPHQL_PARSE_FAILED']);
    const named = 'query A { me { tenant } }';
    documentOf(prepare({ query: named, operationName: 'A' }));
    assert.deepEqual(codesOf(prepare({ query: named, operationName: 'B' })), ['OPERATION_RESOLUTION_FAILURE']);
  });

  it('keeps the most recently used documents up to its size, and none longer than its length bound', () => {
    const prepare = cachedPreparation(schema, limits, 2, 40);
    const [a, b, c] = ['{ me { tenant } }', '{ me { roles } }', '{ me { subject } }'];
    const first = documentOf(prepare({ query: a }));
    const second = documentOf(prepare({ query: b }));
    assert.equal(documentOf(prepare({ query: a })), first, 'a is kept, and now the most recent');
    documentOf(prepare({ query: c })); // b, the least recently used, goes
    assert.equal(documentOf(prepare({ query: a })), first);
    assert.notEqual(documentOf(prepare({ query: b })), second, 'b was parsed again');
    const long = `{ me { tenant roles subject ${' '.repeat(40)} } }`;
    assert.notEqual(documentOf(prepare({ query: long })), documentOf(prepare({ query: long })), 'a long text is not kept');
  });
});
