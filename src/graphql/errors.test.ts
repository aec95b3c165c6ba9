import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { DomainError } from '../domain/errors.js';
import { formatError, isInternal } from './errors.js';

describe('error formatting', () => {
  const logged: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const format = formatError(log);
  const located = (original: Error, extensions?: Record<string, unknown>) =>
    new GraphQLError(original.message, { originalError: original, path: ['asset'], ...(extensions ? { extensions } : {}) });

  it('keeps domain errors with their code and problems', () => {
    const error = located(new DomainError('BAD_USER_INPUT', 'Invalid assets', [{ path: 'input[0].kind', message: 'unknown kind' }]));
    assert.equal(isInternal(error), false);
    assert.deepEqual(format(error.toJSON(), error).extensions, {
      code: 'BAD_USER_INPUT',
      problems: [{ path: 'input[0].kind', message: 'unknown kind' }],
    });
  });

  it('keeps the public codes of GraphQL errors (shield, validation)', () => {
    const error = new GraphQLError('Your roles do not allow graph:read', { extensions: { code: 'FORBIDDEN' } });
    assert.equal(isInternal(error), false);
    assert.equal(format(error.toJSON(), error).extensions?.code, 'FORBIDDEN');
  });

  it('masks anything else as INTERNAL_SERVER_ERROR and logs the original', () => {
    const error = located(new TypeError("Cannot read properties of undefined (reading 'id') at secret/path.ts"));
    assert.equal(isInternal(error), true);
    const out = format(error.toJSON(), error);
    assert.deepEqual(out, { message: 'Internal server error', path: ['asset'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    assert.match(JSON.stringify(logged.at(-1)), /secret\/path\.ts/);
  });
});
