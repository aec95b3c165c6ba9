// Hostile and broken tokens against a server configured for production-style JWKS (RS256 keys
// served by a local identity-provider stand-in that counts its fetches): each is refused with
// UNAUTHENTICATED over HTTP and with close code 4403 over websocket; a flood of unknown key ids
// costs at most one key-set fetch per cooldown; a rotated key is accepted without a restart.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, type JWK, SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { uniqueTenant } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

const ISSUER = 'https://idp.example/realms/acme';
const AUDIENCE = 'metalake';
const codes = (r: { errors?: readonly unknown[] | undefined }) =>
  (r.errors ?? []).map((e) => (e as { extensions?: { code?: string } }).extensions?.code);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  pem: string;
}
async function newKey(kid: string): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, pem: await exportSPKI(publicKey) };
}

describe('JWT verification against a JWKS endpoint', () => {
  let idp: Server;
  let published: JWK[] = [];
  let fetches = 0;
  let server: TestServer;
  let k1: Key;
  let k2: Key;
  let tenant: string;

  const sign = (key: Key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({ tenant, roles: ['viewer'], iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now(), exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
      .sign(key.privateKey);
  const me = async (token: string, at: TestServer = server) => {
    const response = await fetch(at.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { tenant } }' }),
    });
    const body = (await response.json()) as { data?: { me: { tenant: string } } | null; errors?: unknown[] };
    return { status: response.status, tenant: body.data?.me.tenant ?? null, codes: codes(body) };
  };
  const refused = async (token: string) => assert.deepEqual(await me(token), { status: 401, tenant: null, codes: ['UNAUTHENTICATED'] });

  before(async () => {
    [k1, k2] = await Promise.all([newKey('k1'), newKey('k2')]);
    published = [k1.jwk];
    idp = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    server = await startTestServer({
      JWT_SECRET: '',
      JWT_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/certs`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_CLOCK_TOLERANCE_SECONDS: '5',
      JWT_JWKS_COOLDOWN_SECONDS: '1',
    });
    tenant = uniqueTenant();
  });
  after(async () => {
    await server.close();
    idp.close();
  });

  it('accepts a well-formed RS256 token', async () => {
    assert.deepEqual(await me(await sign(k1)), { status: 200, tenant, codes: [] });
  });

  it('refuses alg none, HS256 signed with the public key, a forged signature and a tampered payload', async () => {
    const claims = { tenant, roles: ['admin'], iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now() + 300 };
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    await refused(`${b64({ alg: 'none', kid: 'k1' })}.${b64(claims)}.`);
    // The classic algorithm confusion: the RSA public key (PEM or JWK modulus) used as an HMAC secret.
    for (const secret of [k1.pem, String(k1.jwk.n)]) {
      await refused(await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(secret)));
    }
    const good = await sign(k1);
    const [header, , signature] = good.split('.');
    await refused(`${header}.${b64({ ...claims })}.${signature}`);
    await refused(`${header}.${b64(claims)}.${Buffer.from('not a signature').toString('base64url')}`);
    await refused('not.a.jwt');
  });

  it('refuses a wrong issuer or audience, and tokens without a tenant or subject', async () => {
    await refused(await sign(k1, { iss: 'https://idp.example/realms/evil' }));
    await refused(await sign(k1, { aud: 'another-service' }));
    await refused(await sign(k1, { tenant: undefined }));
    await refused(await sign(k1, { sub: undefined }));
  });

  it('honours the clock tolerance: expired or not-yet-valid beyond it is refused, within it accepted', async () => {
    await refused(await sign(k1, { exp: now() - 10 }));
    assert.equal((await me(await sign(k1, { exp: now() - 2 }))).tenant, tenant);
    await refused(await sign(k1, { nbf: now() + 60 }));
    assert.equal((await me(await sign(k1, { nbf: now() + 2 }))).tenant, tenant);
    await refused(await sign(k1, { iat: now() + 60 }));
  });

  it('fetches the key set once for a flood of unknown key ids within the cooldown', async () => {
    // A server of its own with a cooldown no run can outlast (an hour): the flood may cost exactly
    // one fetch (its first request finds the key set not yet loaded), however slow the machine.
    const flooded = await startTestServer({
      JWT_SECRET: '',
      JWT_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/certs`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_COOLDOWN_SECONDS: '3600',
    });
    try {
      const forger = await newKey('forged');
      const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => sign({ ...forger, kid: `ghost-${i}` })));
      const before = fetches;
      const answers = await Promise.all(tokens.map((t) => me(t, flooded)));
      assert.ok(answers.every((a) => a.status === 401 && a.codes[0] === 'UNAUTHENTICATED'));
      assert.equal(fetches - before, 1, `key set fetched ${fetches - before} times for 200 unknown kids`);
      // The real key keeps working meanwhile, from the cache, without another fetch.
      assert.equal((await me(await sign(k1), flooded)).tenant, tenant);
      assert.equal(fetches - before, 1);
    } finally {
      await flooded.close();
    }
  });

  it('accepts a rotated key without a restart and stops accepting the removed one', async () => {
    published = [k2.jwk];
    // The cooldown (1 s) must pass before an unknown kid may fetch again: waiting longer only helps.
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await me(await sign(k2))).tenant, tenant);
    await new Promise((r) => setTimeout(r, 1100));
    await refused(await sign(k1));
  });

  it('closes websocket connections with bad tokens with 4403 and serves good ones', async () => {
    published = [k2.jwk];
    const good = server.ws(await sign(k2));
    const sub = good.subscribe<{ me: { tenant: string } }>('{ me { tenant } }');
    assert.equal((await sub.waitFor(1, 3000))[0]?.me.tenant, tenant);
    const forged = await new SignJWT({ tenant, roles: ['admin'], iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now() + 300 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k2' })
      .sign(new TextEncoder().encode(k2.pem));
    for (const token of [forged, await sign(k2, { exp: now() - 60 }), await sign(k2, { aud: 'x' })]) {
      const ws = server.ws(token);
      ws.subscribe('subscription { assetChanged { eventId } }');
      assert.equal(await ws.closed(), 4403);
    }
    assert.deepEqual(good.closeCodes, [], 'the good connection stays open');
  });
});
