// The shipped entry points as a user runs them: `node dist/src/main.js` (what `npm start` runs)
// and the `token` command; data survives a restart.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/paths.js';
import { tempDir } from '../support/fixtures.js';

/** What `npm ci && npm start` sees on a fresh machine: no engine endpoints (the test runner exports them for other files). */
function embeddedEnv(): NodeJS.ProcessEnv {
  const { NEO4J_URI: _n, KAFKA_BROKERS: _k, ELASTICSEARCH_URL: _e, STORE: _s, ...rest } = process.env;
  return rest;
}

const MAIN = join(PROJECT_ROOT, 'dist/src/main.js');
const CLI = join(PROJECT_ROOT, 'dist/src/cli/main.js');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const children = new Set<ChildProcess>();

function start(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...embeddedEnv(), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', JWT_SECRET: '', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const poll = setInterval(() => {
      const m = /metalake is running at (\S+)/.exec(out);
      if (m?.[1] && out.includes('steward:')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

function stop(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGTERM');
  });
}

async function gql(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('running metalake', () => {
  const dir = tempDir('metalake-process-');
  after(() => {
    // A failed assertion must not leave a server running (it would hold the test runner open).
    for (const child of children) child.kill('SIGKILL');
    dir.remove();
  });

  it('starts with demo data and working printed tokens, stops on SIGTERM, and keeps its data across a restart', async () => {
    const first = await start(dir.path);
    const viewer = /viewer: +(\S+)/.exec(first.output())![1]!;
    const steward = /steward: +(\S+)/.exec(first.output())![1]!;
    const base = first.url.replace('/graphql', '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), {
      status: 'ready',
      components: {
        store: 'embedded',
        feed: 'in-process',
        search: 'embedded',
        ingest: 'in-process',
        workers: 'outbox-relay,propagation,indexer',
      },
    });
    assert.match(await (await fetch(`${base}/metrics`)).text(), /metalake_graphql_operation_duration_seconds/);
    const demo = await gql(
      first.url,
      viewer,
      '{ asset(qualifiedName: "snowflake://acme/analytics.marts.customer_orders.email") { classifications { name propagated } } }',
    );
    assert.deepEqual(demo.data, { asset: { classifications: [{ name: 'PII', propagated: true }] } });
    const masked = await gql(
      first.url,
      viewer,
      '{ asset(qualifiedName: "snowflake://acme/analytics.marts.customer_orders.email_hash") { classifications(includeBlocked: true) { name blockReason } } }',
    );
    assert.deepEqual(masked.data, { asset: { classifications: [{ name: 'PII', blockReason: 'MASKING' }] } });
    const up = await gql(
      first.url,
      steward,
      'mutation { upsertAssets(input: [{ qualifiedName: "kafka://acme/orders", kind: TOPIC }]) { created } }',
    );
    assert.deepEqual(up.data, { upsertAssets: { created: 1 } });
    assert.equal(await stop(first), 0);

    const second = await start(dir.path);
    assert.doesNotMatch(second.output(), /demo estate loaded/);
    // The token command shares the development secret kept in the data directory.
    const minted = execFileSync(process.execPath, [CLI, 'token', '--tenant', 'demo', '--roles', 'viewer'], {
      env: { ...embeddedEnv(), DATA_DIR: dir.path, JWT_SECRET: '' },
    })
      .toString()
      .trim();
    const kept = await gql(second.url, minted, '{ asset(qualifiedName: "kafka://acme/orders") { kind version } assets { totalCount } }');
    assert.deepEqual((kept.data as { asset: unknown }).asset, { kind: 'TOPIC', version: 1 });
    // 38 demo assets and the topic.
    assert.equal((kept.data as { assets: { totalCount: number } }).assets.totalCount, 39);
    // The reindex command rebuilds the tenant's search index while the server runs and serves it.
    const reindexed = execFileSync(process.execPath, [CLI, 'reindex', '--tenant', 'demo', '--no-progress'], {
      env: { ...embeddedEnv(), DATA_DIR: dir.path, JWT_SECRET: '' },
    })
      .toString()
      .trim();
    assert.deepEqual(
      { ...(JSON.parse(reindexed) as Record<string, unknown>), seconds: 0 },
      { tenant: 'demo', search: 'embedded', assets: 39, seconds: 0 },
    );
    const found = await gql(
      second.url,
      minted,
      '{ search(query: "orders", filter: { kinds: [TOPIC] }) { total hits { asset { qualifiedName } } } }',
    );
    assert.deepEqual(found.data, { search: { total: 1, hits: [{ asset: { qualifiedName: 'kafka://acme/orders' } }] } });
    assert.equal(await stop(second), 0);
  });

  it('loses nothing when killed right after acknowledging writes: store, index and history agree after a restart', async () => {
    const crashDir = tempDir('metalake-crash-');
    try {
      let server = await start(crashDir.path);
      const steward = /steward: +(\S+)/.exec(server.output())![1]!;
      const names: string[] = [];
      for (let i = 0; i < 5; i++) {
        const qn = `kafka://acme/crash-${i}`;
        const r = await gql(
          server.url,
          steward,
          'mutation($q: String!) { upsertAssets(input: [{ qualifiedName: $q, kind: TOPIC, description: "crashdrill" }]) { created } }',
          { q: qn },
        );
        // SIGKILL as soon as the write is acknowledged: the change event may still be unpublished and unindexed.
        server.child.kill('SIGKILL');
        assert.deepEqual(r.data, { upsertAssets: { created: 1 } });
        names.push(qn);
        await new Promise((resolve) => server.child.once('exit', resolve));
        server = await start(crashDir.path);
      }
      let found = 0;
      for (let i = 0; i < 50 && found < names.length; i++) {
        const r = await gql(server.url, steward, '{ search(query: "crashdrill") { total } }');
        found = (r.data as { search: { total: number } }).search.total;
        if (found < names.length) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(found, names.length, 'every acknowledged write reached the search index after the restarts');
      for (const qn of names) {
        const r = await gql(
          server.url,
          steward,
          'query($q: String!) { asset(qualifiedName: $q) { version history { edges { node { change } } } } }',
          { q: qn },
        );
        assert.deepEqual(r.data, { asset: { version: 1, history: { edges: [{ node: { change: 'CREATED' } }] } } });
      }
      assert.equal(await stop(server), 0);
    } finally {
      crashDir.remove();
    }
  });

  it('refuses to start with invalid configuration, naming every problem', () => {
    let message = '';
    try {
      execFileSync(process.execPath, [MAIN], {
        env: { ...embeddedEnv(), PORT: 'abc', MAX_BATCH: '0', JWT_SECRET: 'short', DATA_DIR: dir.path },
        stdio: 'pipe',
      });
    } catch (error) {
      message = String((error as { stderr: Buffer }).stderr);
    }
    assert.match(message, /PORT/);
    assert.match(message, /MAX_BATCH/);
    assert.match(message, /JWT_SECRET: must be at least 32 characters/);
  });

  it('token command rejects unknown roles, a tenant the server would refuse and a lifetime over 30 days', () => {
    const mint = (...args: string[]) =>
      execFileSync(process.execPath, [CLI, 'token', ...args], { env: { ...embeddedEnv(), DATA_DIR: dir.path }, stdio: 'pipe' }).toString();
    assert.throws(() => mint('--tenant', 'x', '--roles', 'root'), /unknown roles: root/);
    assert.throws(() => mint('--tenant', 'x|../*', '--roles', 'viewer'), /is not a tenant the server accepts/);
    assert.throws(() => mint('--tenant', 'x', '--ttl', '999999999'), /--ttl must be a whole number of seconds from 1 to 2592000/);
    // The control: a valid request mints a token.
    assert.match(mint('--tenant', 'acme-1', '--roles', 'viewer', '--ttl', '2592000'), /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });
});
