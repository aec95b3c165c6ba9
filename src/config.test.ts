import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withDevelopmentSecret } from './auth/dev-secret.js';
import { CONFIGURATION_DOC, renderConfigurationDocs } from './config-docs.js';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('reports every problem at once', () => {
    assert.throws(
      () => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', MAX_BATCH: '-1' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 3 &&
        e.problems.some((p) => p.startsWith('PORT')) &&
        e.problems.some((p) => p.startsWith('LOG_LEVEL')),
    );
  });

  it('requires real keys in production and refuses algorithms that do not fit the key', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_JWKS_URL \(or JWT_SECRET\) is required/);
    assert.throws(
      () => loadConfig({ JWT_SECRET: 'x'.repeat(40), JWT_ALGORITHMS: 'RS256', DATA_DIR: '/tmp/metalake-unit' }),
      /RS256 is not allowed with JWT_SECRET/,
    );
    assert.throws(
      () => loadConfig({ JWT_JWKS_URL: 'https://idp/jwks', JWT_ALGORITHMS: 'HS256' }),
      /HS256 is not allowed with JWT_JWKS_URL/,
    );
    const prod = loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp/jwks' });
    assert.deepEqual(
      [prod.graphql.introspection, prod.graphql.suggestions, prod.demoData, prod.jwt.algorithms],
      [false, false, false, ['RS256', 'ES256']],
    );
  });
});

describe('the development secret', () => {
  it('is not written by loadConfig, but by withDevelopmentSecret, once, and shared', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metalake-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      assert.equal(config.jwt.devSecret, true);
      assert.equal(config.jwt.secret, null);
      assert.equal(existsSync(config.jwt.devSecretFile), false, 'loading the configuration writes nothing');
      const first = withDevelopmentSecret(config);
      assert.ok((first.jwt.secret ?? '').length >= 32);
      assert.equal(statSync(config.jwt.devSecretFile).mode & 0o777, 0o600);
      assert.equal(
        withDevelopmentSecret(loadConfig({ DATA_DIR: dir })).jwt.secret,
        first.jwt.secret,
        'a second process reads the same secret',
      );
      assert.equal(withDevelopmentSecret(loadConfig({ DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) })).jwt.secret, 'x'.repeat(32));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the configuration reference', () => {
  it('docs/configuration.md is what the schema renders (run `npm run docs:config` after changing src/config.ts)', () => {
    const rendered = renderConfigurationDocs();
    assert.match(rendered, /\| `SHUTDOWN_GRACE_SECONDS` \| `30` \| 1 to 3600 \|/, 'defaults and bounds come from the schema');
    assert.equal(readFileSync(CONFIGURATION_DOC, 'utf8'), rendered);
  });
});
