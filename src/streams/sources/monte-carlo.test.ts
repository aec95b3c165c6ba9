import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { MonteCarloPayloadError, monteCarloEvent, monteCarloTable, verifyMonteCarloSignature } from './monte-carlo.js';
import { pythonUrlencodeOf } from '../../../test/support/python.js';

// Monte Carlo's own documented example of a signed webhook: this body, the secret below, and the
// x-mcd-signature it sends (HMAC-SHA512 of the urlencoded payload).
const BODY =
  '{"account":{"id":"9a59c6f1-203a-4c72-8cd7-132db7f21b92"},"action":"incident","type":"open_anomaly_incident","version":"v0.1","payload":{"incident_id":"f83867b6-8f25-428b-807c-08518f63384c","group_id":"zeus:ares","url":"https://getmontecarlo.com/incidents/f83867b6-8f25-428b-807c-08518f63384c","event_list":[{"event_details":"Has 42 rows vs. 101 expected","table_name":"artemis"}]}}';
const SIGNATURE =
  '48c145cad6d2418b75685e7cfddac6c9113063f9b89c75d1f718bda9b30c69a61f39d70d47042e4add31c806f6f327fdf954f34688678a449590dbfcdd5be42d';

describe('Monte Carlo webhook signature', () => {
  it('matches the documented test vector (HMAC-SHA512 over Python urlencode of the parsed body)', () => {
    assert.equal(verifyMonteCarloSignature(Buffer.from(BODY), SIGNATURE, 'test-secret'), true);
  });

  it('rejects a wrong secret, a tampered body and a truncated signature', () => {
    assert.equal(verifyMonteCarloSignature(Buffer.from(BODY), SIGNATURE, 'other-secret'), false);
    const tampered = BODY.replace('42 rows', '43 rows');
    assert.equal(verifyMonteCarloSignature(Buffer.from(tampered), SIGNATURE, 'test-secret'), false);
    assert.equal(verifyMonteCarloSignature(Buffer.from(BODY), SIGNATURE.slice(0, 64), 'test-secret'), false);
  });

  it('also accepts an HMAC of the raw bytes', () => {
    const raw = createHmac('sha512', 'test-secret').update(BODY).digest('hex');
    assert.equal(verifyMonteCarloSignature(Buffer.from(BODY), raw.toUpperCase(), 'test-secret'), true);
  });

  it('accepts what real Python signs: floats, None/True and non-printable characters in nested values', () => {
    const bodies = [
      '{"action":"incident","payload":{"event_list":[{"type":"custom_rule_anom","data":{"threshold":100.0,"ratio":0.25,"note":null,"breached":true}}]}}',
      '{"action":"incident","payload":{"event_list":[{"event_details":"42\u00a0rows"}]}}',
      '{"action":"incident","payload":{"event_list":[{"event_details":"a\u200bb\u2028c"}]}}',
    ];
    pythonUrlencodeOf(bodies).forEach((signed, i) => {
      const signature = createHmac('sha512', 'test-secret').update(signed).digest('hex');
      assert.equal(verifyMonteCarloSignature(Buffer.from(bodies[i]!), signature, 'test-secret'), true, bodies[i]);
    });
  });
});

describe('Monte Carlo notifications', () => {
  it('map to an incident on the tables named, under the tenant’s namespace', () => {
    const event = monteCarloEvent(JSON.parse(BODY), Buffer.from(BODY), 'acme', 'snowflake://acme/');
    assert.equal(event.type, 'metalake.incident.reported.v1');
    assert.deepEqual(event.data, {
      externalId: 'f83867b6-8f25-428b-807c-08518f63384c',
      source: 'monte-carlo',
      type: 'CUSTOM',
      title: 'Has 42 rows vs. 101 expected',
      url: 'https://getmontecarlo.com/incidents/f83867b6-8f25-428b-807c-08518f63384c',
      assetQualifiedNames: ['snowflake://acme/zeus.ares.artemis'],
      skipUnknownAssets: true,
    });
    assert.equal(monteCarloTable('db:sch.tbl', null, 'bigquery://'), 'bigquery://db.sch.tbl');
    assert.equal(monteCarloTable('tbl', null, 'x://'), null);
  });

  it('read anomaly types, declared severity and feedback (top level or inside payload)', () => {
    const body = JSON.parse(BODY) as { payload: Record<string, unknown> } & Record<string, unknown>;
    body['declared_alert_severity'] = 'SEV-2';
    body.payload['alert_feedback'] = 'fixed';
    body.payload['event_list'] = [{ table_name: 'zeus:ares.artemis', type: 'fresh_anom', event_details: 'late' }];
    const data = monteCarloEvent(body, Buffer.from(JSON.stringify(body)), 'acme', 'snowflake://acme/').data as Record<string, unknown>;
    assert.equal(data['type'], 'FRESHNESS');
    assert.equal(data['severity'], 'SEV2');
    assert.equal(data['status'], 'RESOLVED');
  });

  it('refuse a body that is not an incident notification, saying what is wrong', () => {
    assert.throws(
      () => monteCarloEvent({ action: 'incident', type: 'x' }, Buffer.alloc(0), 'acme', 'x://'),
      (e: unknown) => e instanceof MonteCarloPayloadError && /payload/.test(e.message),
    );
  });
});
