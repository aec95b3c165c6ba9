// npm run bench:crawl — the connectors end to end, as `metalake crawl` runs them (a CLI process
// applying to the embedded store in a fresh DATA_DIR):
//  - PostgreSQL: a generated database of BENCH_CRAWL_TABLES tables (default 2,000) × 20 columns in
//    10 schemas, a view on every tenth table; the first crawl, an unchanged second crawl, and a
//    third after dropping 1 % of the tables and adding a column to another 1 %;
//  - dbt: a generated manifest and catalog of BENCH_CRAWL_MODELS models (default 1,000) × 10
//    columns with chained depends_on; the first crawl and an unchanged second one.
// PostgreSQL is started by the engines harness unless POSTGRES_URL is set.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CrawlRunRecord } from '../src/domain/crawls.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { tempDir } from '../test/support/fixtures.js';
import { type Database, createDatabase } from '../test/support/postgres.js';
import { loadEngines, machine, writeResults } from './lib.js';

const TABLES = Number(process.env.BENCH_CRAWL_TABLES ?? 2000);
const COLUMNS = 20;
const SCHEMAS = 10;
const MODELS = Number(process.env.BENCH_CRAWL_MODELS ?? 1000);
const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const log = (msg: string) => process.stderr.write(`[bench:crawl] ${msg}\n`);

interface Measured {
  status: string;
  seconds: number;
  counts: CrawlRunRecord['counts'];
  assetsPerSecond: number;
}

function crawl(dataDir: string, args: string[]): Measured {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'crawl', ...args, '--tenant', 'bench', '--no-progress'], {
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', EMBEDDED_SYNC: 'normal' },
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  const run = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null') as CrawlRunRecord | null;
  if (!run || run.status !== 'SUCCEEDED') throw new Error(`crawl ${args[0]} did not succeed: ${r.stderr}\n${r.stdout}`);
  const assets = run.counts.created + run.counts.updated + run.counts.unchanged;
  return {
    status: run.status,
    seconds: Math.round(seconds * 100) / 100,
    counts: run.counts,
    assetsPerSecond: Math.round(assets / seconds),
  };
}

async function generateDatabase(adminUrl: string): Promise<Database> {
  const db = await createDatabase(adminUrl, 'bench_crawl');
  const { sql } = db;
  const columns = Array.from(
    { length: COLUMNS - 1 },
    (_, i) => `c${i + 1} ${i % 3 === 0 ? 'text' : i % 3 === 1 ? 'bigint' : 'numeric(12,2)'}`,
  ).join(', ');
  await sql(`
    DO $$
    BEGIN
      FOR s IN 1..${SCHEMAS} LOOP
        EXECUTE format('CREATE SCHEMA s%s', s);
        FOR t IN 1..${Math.ceil(TABLES / SCHEMAS)} LOOP
          EXECUTE format('CREATE TABLE s%s.t%s (id bigint PRIMARY KEY, ${columns})', s, t);
          EXECUTE format('COMMENT ON TABLE s%s.t%s IS %L', s, t, 'table ' || t || ' of schema ' || s);
          IF t % 10 = 0 THEN
            EXECUTE format('CREATE VIEW s%s.v%s AS SELECT id, c1, c2 FROM s%s.t%s', s, t, s, t);
          END IF;
        END LOOP;
      END LOOP;
    END $$;
    ANALYZE;
  `);
  return db;
}

function dbtArtifacts(dir: string): { manifest: string; catalog: string } {
  const nodes: Record<string, unknown> = {};
  const catalogNodes: Record<string, unknown> = {};
  for (let i = 0; i < MODELS; i++) {
    const id = `model.bench.m${i}`;
    const columns = Object.fromEntries(
      Array.from({ length: 10 }, (_, c) => [`col${c}`, { name: `col${c}`, description: `column ${c} of m${i}`, meta: {}, tags: [] }]),
    );
    nodes[id] = {
      unique_id: id,
      resource_type: 'model',
      package_name: 'bench',
      name: `m${i}`,
      alias: `m${i}`,
      database: 'warehouse',
      schema: `layer${i % 5}`,
      description: `model ${i}`,
      columns,
      tags: i % 50 === 0 ? ['pii'] : [],
      meta: i % 100 === 0 ? { owner: 'data@example.com' } : {},
      config: { materialized: i % 3 === 0 ? 'view' : 'table', tags: [], meta: {} },
      depends_on: { nodes: i === 0 ? [] : [`model.bench.m${Math.floor((i - 1) / 2)}`] },
      original_file_path: `models/m${i}.sql`,
    };
    catalogNodes[id] = {
      metadata: { type: 'BASE TABLE', owner: 'bench' },
      columns: Object.fromEntries(Array.from({ length: 10 }, (_, c) => [`col${c}`, { name: `col${c}`, type: 'text', index: c + 1 }])),
      stats: {},
    };
  }
  const manifest = join(dir, 'manifest.json');
  const catalog = join(dir, 'catalog.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', project_name: 'bench', adapter_type: 'postgres' },
      nodes,
      sources: {},
    }),
  );
  writeFileSync(
    catalog,
    JSON.stringify({
      metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/catalog/v1.json' },
      nodes: catalogNodes,
      sources: {},
    }),
  );
  return { manifest, catalog };
}

async function main(): Promise<void> {
  const engines = await loadEngines();
  const { env, started } = await engines.up(['postgres']);
  const data = tempDir('metalake-bench-crawl-');
  try {
    log(`generating ${TABLES} tables × ${COLUMNS} columns in PostgreSQL`);
    const t0 = performance.now();
    const db = await generateDatabase(env['POSTGRES_URL']!);
    log(`generated in ${Math.round((performance.now() - t0) / 1000)} s`);
    const pgDir = join(data.path, 'pg');
    const first = crawl(pgDir, ['postgres', '--url', db.url]);
    log(`postgres first: ${JSON.stringify(first)}`);
    const unchanged = crawl(pgDir, ['postgres', '--url', db.url]);
    log(`postgres unchanged: ${JSON.stringify(unchanged)}`);
    const changedTables = Math.max(1, Math.floor(TABLES / 100 / SCHEMAS));
    const changes = Array.from({ length: SCHEMAS }, (_, s) =>
      Array.from({ length: changedTables }, (_, k) => {
        const dropped = k * 10 + 1; // never a table with a view (multiples of 10)
        const altered = k * 10 + 3;
        return `DROP TABLE s${s + 1}.t${dropped}; ALTER TABLE s${s + 1}.t${altered} ADD COLUMN added text;`;
      }).join(' '),
    ).join(' ');
    await db.sql(changes);
    const changed = crawl(pgDir, ['postgres', '--url', db.url]);
    log(`postgres changed: ${JSON.stringify(changed)}`);

    const artifacts = dbtArtifacts(data.path);
    const dbtDir = join(data.path, 'dbt');
    const dbtArgs = [
      'dbt',
      '--manifest',
      artifacts.manifest,
      '--catalog',
      artifacts.catalog,
      '--target',
      'postgres://warehouse.example.com:5432',
    ];
    const dbtFirst = crawl(dbtDir, dbtArgs);
    log(`dbt first: ${JSON.stringify(dbtFirst)}`);
    const dbtUnchanged = crawl(dbtDir, dbtArgs);
    log(`dbt unchanged: ${JSON.stringify(dbtUnchanged)}`);

    const file = writeResults('crawl', {
      machine: machine(),
      store: 'embedded (SQLite, EMBEDDED_SYNC=normal), through `metalake crawl` (a CLI process each run, start-up included)',
      postgres: {
        estate: { tables: TABLES, views: TABLES / 10, columnsPerTable: COLUMNS, schemas: SCHEMAS },
        first,
        unchanged,
        changed: { change: `${changedTables * SCHEMAS} tables dropped, ${changedTables * SCHEMAS} given a column`, ...changed },
      },
      dbt: { estate: { models: MODELS, columnsPerModel: 10 }, first: dbtFirst, unchanged: dbtUnchanged },
    });
    log(`results: ${file}`);
  } finally {
    data.remove();
    if (started.length > 0) await engines.down(started);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
