import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { createVerifier } from './jwt.js';

const SECRET = 'unit-test-secret-0123456789-0123456789';
const jwtConfig = (env: Record<string, string> = {}) => loadConfig({ JWT_SECRET: SECRET, DATA_DIR: '/tmp/metalake-unit', ...env }).jwt;
const sign = (claims: Record<string, unknown>, alg = 'HS256', secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setSubject('u1')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
const rejects = (p: Promise<unknown>, pattern: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof DomainError && e.code === 'UNAUTHENTICATED' && pattern.test(e.message));

describe('token verification', () => {
  it('keeps a verified token no longer than it is valid: refused once expired, though verified a moment before', async () => {
    const v = createVerifier(jwtConfig({ JWT_CLOCK_TOLERANCE_SECONDS: '0' }));
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ tenant: 'acme', roles: ['viewer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    assert.equal((await v.verify(token)).tenant, 'acme');
    assert.deepEqual(await v.verify(`Bearer ${token}`), await v.verify(token), 'the same viewer, verified or kept');
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    await rejects(v.verify(token), /expired/);
    // A refused token is not kept either: a valid one still verifies afterwards.
    assert.equal((await v.verify(await sign({ tenant: 'acme' }))).tenant, 'acme');
  });

  it('reads tenant and roles from configurable, dotted claims and ignores foreign roles', async () => {
    const v = createVerifier(jwtConfig({ JWT_TENANT_CLAIM: 'org.id', JWT_ROLES_CLAIM: 'realm_access.roles' }));
    const viewer = await v.verify(
      `Bearer ${await sign({ org: { id: 'acme' }, realm_access: { roles: ['offline_access', 'STEWARD', 'viewer'] } })}`,
    );
    assert.deepEqual([viewer.tenant, viewer.roles, viewer.subject], ['acme', ['steward', 'viewer'], 'u1']);
  });

  it('accepts a Keycloak-style organization object with one key as the tenant', async () => {
    const v = createVerifier(jwtConfig({ JWT_TENANT_CLAIM: 'organization' }));
    assert.equal((await v.verify(await sign({ organization: { acme: { id: '42' } }, roles: 'viewer' }))).tenant, 'acme');
  });

  it('rejects tokens without a usable tenant, with a wrong secret, a disallowed algorithm, or wrong issuer/audience', async () => {
    const v = createVerifier(jwtConfig({ JWT_ISSUER: 'https://idp', JWT_AUDIENCE: 'metalake' }));
    const good = { iss: 'https://idp', aud: 'metalake', roles: ['viewer'] };
    await rejects(v.verify(await sign({ ...good })), /tenant/);
    await rejects(v.verify(await sign({ ...good, tenant: '../etc' })), /tenant/);
    await rejects(v.verify(await sign({ ...good, tenant: 'a' }, 'HS256', 'another-secret-0123456789-0123456789')), /signature/);
    await rejects(v.verify(await sign({ ...good, tenant: 'a' }, 'HS512')), /algorithm/);
    await rejects(v.verify(await sign({ ...good, tenant: 'a', iss: 'https://evil' })), /iss/);
    await rejects(v.verify(await sign({ ...good, tenant: 'a', aud: 'other' })), /aud/);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"tenant":"a","sub":"x","exp":9999999999}').toString('base64url')}.`;
    await rejects(v.verify(unsigned), /.+/);
    assert.equal((await v.verify(await sign({ ...good, tenant: 'a' }))).tenant, 'a');
  });

  it('verifies RS256 tokens against a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
      const v = createVerifier(loadConfig({ JWT_JWKS_URL: url, DATA_DIR: '/tmp/metalake-unit' }).jwt);
      const token = await new SignJWT({ tenant: 'acme', roles: ['admin'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('svc')
        .setExpirationTime('5m')
        .sign(privateKey);
      assert.deepEqual((await v.verify(token)).roles, ['admin']);
      await rejects(v.verify(await sign({ tenant: 'acme' })), /algorithm/);
    } finally {
      jwks.close();
    }
  });
});
