// Every line a request causes carries its request id, tenant and subject, down into the services.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { uniqueTenant } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

describe('request-scoped logs', () => {
  const lines: Record<string, unknown>[] = [];
  let server: TestServer;
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await startTestServer({}, { log: pino({ level: 'debug' }, sink) });
  });
  after(() => server.close());

  const post = async (token: string, requestId: string, query: string) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
      body: JSON.stringify({ query }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { errors?: unknown[] };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  };

  /** A steward of the tenant, a database asset and the PII type, made through the API. */
  const stewardWithDatabase = async (tenant: string) => {
    const steward = await server.token(tenant, 'steward');
    const db = `pg://h/${tenant}`;
    await post(
      steward,
      `setup-${tenant}`,
      `mutation { upsertAssets(input: [{ qualifiedName: "${db}", kind: DATABASE }]) { created } defineClassification(input: { name: "PII" }) { name } }`,
    );
    return { steward, db };
  };

  it('gives a service log line the request id, tenant and subject of the HTTP request that caused it', async () => {
    const tenant = uniqueTenant('logs');
    const { steward, db } = await stewardWithDatabase(tenant);
    await post(steward, `classify-${tenant}`, `mutation { classify(qualifiedName: "${db}", classification: "PII") { added } }`);
    const committed = lines.filter((l) => l.msg === 'classification change committed');
    assert.equal(committed.length, 1, 'the service logged the change once (the positive control that it logs at all)');
    assert.equal(committed[0]!.requestId, `classify-${tenant}`);
    assert.equal(committed[0]!.tenant, tenant);
    assert.match(String(committed[0]!.subject), /./);
    assert.equal(committed[0]!.transport, 'http');
  });

  it('gives a websocket operation its own request id', async () => {
    const tenant = uniqueTenant('logs-ws');
    const { steward, db } = await stewardWithDatabase(tenant);
    const ws = server.ws(steward);
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        ws.client.subscribe(
          { query: `mutation { classify(qualifiedName: "${db}", classification: "PII") { added } }` },
          { next: resolve, error: reject, complete: () => undefined },
        );
      });
      assert.deepEqual(result, { data: { classify: { added: 1 } } });
    } finally {
      await ws.close();
    }
    const committed = lines.filter((l) => l.msg === 'classification change committed' && l.tenant === tenant);
    assert.equal(committed.length, 1);
    assert.equal(committed[0]!.transport, 'ws');
    assert.match(String(committed[0]!.requestId), /^[0-9a-f-]{36}$/);
  });
});
