import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('reports every problem at once', () => {
    assert.throws(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', MAX_BATCH: '-1' }), (e: unknown) =>
      e instanceof ConfigError && e.problems.length === 3 && e.problems.some((p) => p.startsWith('PORT')) && e.problems.some((p) => p.startsWith('LOG_LEVEL')));
  });

  it('requires real keys in production and refuses algorithms that do not fit the key', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_JWKS_URL \(or JWT_SECRET\) is required/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(40), JWT_ALGORITHMS: 'RS256', DATA_DIR: '/tmp/metalake-unit' }), /RS256 is not allowed with JWT_SECRET/);
    assert.throws(() => loadConfig({ JWT_JWKS_URL: 'https://idp/jwks', JWT_ALGORITHMS: 'HS256' }), /HS256 is not allowed with JWT_JWKS_URL/);
    const prod = loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp/jwks' });
    assert.deepEqual([prod.graphql.introspection, prod.graphql.suggestions, prod.demoData, prod.jwt.algorithms], [false, false, false, ['RS256', 'ES256']]);
  });
});
