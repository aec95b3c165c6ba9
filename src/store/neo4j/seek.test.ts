// The rule of seek.ts, checked over the adapter's source: every MATCH that finds an asset by id
// or qualified name names the unique index it seeks, on the same line, for the same variable.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../paths.js';

const DIR = join(PROJECT_ROOT, 'src/store/neo4j');
/** A node pattern keyed on an asset's id or qualified name, or an incident's id: `(v:Asset {tenant: $t, id: …` (v may be missing). */
const KEYED = /\((\w*):(Asset|Incident) \{tenant: \$t, (id|qualifiedName|\$\{by\}): /g;

/** Every keyed asset pattern in a MATCH (a MERGE takes no hints) that lacks its hint, as `line n: text`. */
function unhinted(source: string): string[] {
  const problems: string[] = [];
  source.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(KEYED)) {
      const before = line.slice(0, m.index);
      if (before.lastIndexOf('MERGE') > before.lastIndexOf('MATCH')) continue;
      const v = m[1]!;
      const hints = m[2] === 'Asset' ? [`SEEK_ID('${v}')`, `SEEK_NAME('${v}')`] : [`SEEK_INCIDENT('${v}')`];
      const hinted = v !== '' && [...hints, `USING INDEX SEEK ${v}:${m[2]}(`].some((h) => line.includes(h));
      if (!hinted) problems.push(`line ${i + 1}: ${line.trim()}`);
    }
  });
  return problems;
}

describe('Neo4j lookups by key', () => {
  it('the check finds an unhinted lookup, an anonymous one, and passes a hinted one and a MERGE', () => {
    assert.equal(unhinted('`UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id}) RETURN a`').length, 1);
    assert.equal(unhinted("`MATCH (:Asset {tenant: $t, id: $id})-[r:FLOWS_TO]->(b) ${SEEK_ID('a')}`").length, 1);
    assert.equal(unhinted("`MATCH (a:Asset {tenant: $t, id: $id}) ${SEEK_ID('b')}`").length, 1, 'the hint names another variable');
    assert.deepEqual(unhinted("`UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id}) ${SEEK_ID('a')} RETURN a`"), []);
    assert.deepEqual(unhinted("`MATCH (a:Asset {tenant: $t, qualifiedName: $qn}) ${SEEK_NAME('a')}`"), []);
    assert.deepEqual(unhinted('        MERGE (a:Asset {tenant: $t, id: r.id})'), []);
    assert.equal(unhinted('`UNWIND $ids AS id MATCH (i:Incident {tenant: $t, id: id}) RETURN i`').length, 1);
  });

  it('every MATCH of an asset by id or qualified name, or of an incident by id, in the adapter seeks its unique index', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'seek.ts');
    assert.ok(files.includes('assets.ts'), `the adapter's sources are read from ${DIR}`);
    const problems = files.flatMap((f) => unhinted(readFileSync(join(DIR, f), 'utf8')).map((p) => `${f} ${p}`));
    assert.deepEqual(problems, []);
  });
});
