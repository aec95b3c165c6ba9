// A websocket connection lives only as long as its token: at expiry it is closed with 4403.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { mintDevToken } from '../../src/auth/tokens.js';
import { uniqueTenant } from '../support/fixtures.js';
import { type TestServer, settle, startTestServer } from '../support/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ JWT_CLOCK_TOLERANCE_SECONDS: '0' });
});
after(async () => server.close());

it('closes a subscription connection with 4403 when its token expires', async () => {
  const t = uniqueTenant();
  const shortLived = await mintDevToken(server.app.config.jwt, { tenant: t, roles: ['viewer'], ttlSeconds: 2 });
  const ws = server.ws(shortLived);
  const sub = ws.subscribe('subscription { assetChanged { eventId } }');
  await settle(500);
  assert.deepEqual(ws.closeCodes, []);
  await settle(2500);
  assert.deepEqual(ws.closeCodes, [4403]);
  assert.ok(sub.errors.length > 0 || sub.events.length === 0);
});
