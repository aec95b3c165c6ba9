import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../paths.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { SourceSpecError, connectorFor, loadConnectorsFile } from './sources.js';
import { loadTagRules } from '../tag-rules.js';

describe('connector specs', () => {
  it('loads the example CONNECTORS_FILE and tag rules', () => {
    const sources = loadConnectorsFile(join(PROJECT_ROOT, 'examples', 'connectors.yaml'));
    assert.deepEqual(
      sources.map((s) => [s.tenant, s.type, s.schedule]),
      [
        ['acme', 'postgres', '*/30 * * * *'],
        ['acme', 'dbt', '5 * * * *'],
      ],
    );
    const rules = loadTagRules(join(PROJECT_ROOT, 'examples', 'tag-rules.yaml'));
    assert.deepEqual(rules.classify({ tags: ['GDPR-eu'], meta: { contains_pii: 'true' } }), [
      { classification: 'PII', rule: 'dbt-meta-contains-pii' },
      { classification: 'GDPR', rule: 'tag-gdpr' },
    ]);
    assert.deepEqual(rules.classify({ tags: ['finance'], meta: { contains_pii: false } }), []);
  });

  it('names every bad entry of a CONNECTORS_FILE, and refuses a source whose secret is missing', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'connectors.yaml');
      writeFileSync(
        file,
        'sources:\n  - { tenant: acme, type: postgres, url: "postgres://h/db", schedule: "every day" }\n  - { tenant: "bad tenant!", type: mysql, schedule: "* * * * *" }\n',
      );
      assert.throws(
        () => loadConnectorsFile(file),
        (error: Error) => {
          assert.ok(error instanceof SourceSpecError);
          assert.match(error.message, /sources\[0\]: schedule: not a cron expression/);
          assert.match(error.message, /sources\[1\]/);
          return true;
        },
      );
      delete process.env['METALAKE_NO_SUCH_SECRET'];
      assert.throws(
        () => connectorFor({ type: 'postgres', url: 'postgres://u@h:5432/db', password: { env: 'METALAKE_NO_SUCH_SECRET' } }),
        /the environment variable METALAKE_NO_SUCH_SECRET \(a source's password\) is not set/,
      );
      assert.equal(
        connectorFor({ type: 'postgres', url: 'postgres://u:secret@DB.example.com/shop' }).source,
        'postgres://db.example.com:5432/shop',
      );
    } finally {
      dir.remove();
    }
  });
});
