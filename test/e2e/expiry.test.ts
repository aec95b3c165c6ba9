// A websocket connection lives only as long as its token: at expiry it is closed with 4403.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { mintDevToken } from '../../src/auth/tokens.js';
import { uniqueTenant, until } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ JWT_CLOCK_TOLERANCE_SECONDS: '0' });
});
after(async () => server.close());

it('closes a subscription connection with 4403 when its token expires, and serves it until then', async () => {
  const t = uniqueTenant();
  const shortLived = await mintDevToken(server.app.config.jwt, { tenant: t, roles: ['viewer'], ttlSeconds: 6 });
  const ws = server.ws(shortLived);
  const sub = ws.subscribe<{ assetChanged: { asset: { qualifiedName: string } } }>(
    'subscription { assetChanged { asset { qualifiedName } } }',
  );
  await server.subscribed(t, 1);
  // While the token is valid the subscription works: an event arrives and the socket is open.
  const admin = server.http(await server.token(t, 'admin'));
  await admin.request('mutation { upsertAssets(input: [{ qualifiedName: "pg://h/before", kind: TABLE }]) { created } }');
  assert.deepEqual(
    (await sub.waitFor(1)).map((e) => e.assetChanged.asset.qualifiedName),
    ['pg://h/before'],
  );
  assert.deepEqual(ws.closeCodes, []);
  // At expiry: closed with 4403, and the server has let go of the subscription.
  assert.equal(await ws.closed(20_000), 4403);
  await until('the subscription to be released', () => !server.app.services.subscriptions.stats.openByTenant.has(t));
});
