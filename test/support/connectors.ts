// What the connector tests share: a fresh PostgreSQL database on the test server, `metalake
// crawl` run as a user runs it (a child process on a DATA_DIR), and the assets a tenant has.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { CrawlRunRecord } from '../../src/domain/crawls.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { type Database, createDatabase } from './postgres.js';
import { TEST_SECRET, type TestServer } from './server.js';

export const ADMIN_URL = process.env.POSTGRES_URL;
if (!ADMIN_URL) throw new Error('POSTGRES_URL is not set: run this file through scripts/run-tests.mjs (it starts PostgreSQL)');
export const admin = new URL(ADMIN_URL);
const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');

/** A fresh database on the test server with `ddl` applied; `base` is its qualified name. */
export async function freshDatabase(ddl: string): Promise<Database & { base: string }> {
  const db = await createDatabase(ADMIN_URL!, 'shop', ddl);
  return { ...db, base: `postgres://${admin.hostname}:${admin.port}/${db.name}` };
}

/** `metalake crawl <connector> …` as a child process on `dataDir`: its exit status, the run it printed, its stderr. */
export async function crawlCli(
  connector: 'postgres' | 'dbt',
  dataDir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; run: CrawlRunRecord | null; stderr: string }> {
  // Not spawnSync: the server under test runs in this process and must keep answering (a blocked
  // event loop lets its keep-alive sockets lapse under the client's feet).
  const child = spawn(process.execPath, [CLI, 'crawl', connector, '--no-progress', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  let run: CrawlRunRecord | null = null;
  try {
    run = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as CrawlRunRecord;
  } catch {
    run = null;
  }
  return { status, run, stderr };
}

export interface AssetView {
  qualifiedName: string;
  kind: string;
  description: string | null;
  version: number;
  owners: string[];
  attributes: Record<string, unknown>;
}

/** Every asset under a prefix, read over GraphQL as the tenant's viewer. */
export async function assetsUnder(server: TestServer, tenant: string, prefix: string): Promise<Map<string, AssetView>> {
  const gql = server.http(await server.token(tenant, 'viewer'));
  const out = new Map<string, AssetView>();
  let after: string | null = null;
  for (;;) {
    const r: {
      data?: { assets: { edges: { node: AssetView }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } | null;
      errors?: unknown;
    } = await gql.request(
      `query($p: String!, $after: String) { assets(filter: { qualifiedNamePrefix: $p }, first: 500, after: $after) {
            edges { node { qualifiedName kind description version owners attributes } } pageInfo { hasNextPage endCursor } } }`,
      { p: prefix, after },
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    for (const e of r.data!.assets.edges) out.set(e.node.qualifiedName, e.node);
    if (!r.data!.assets.pageInfo.hasNextPage) return out;
    after = r.data!.assets.pageInfo.endCursor;
  }
}
