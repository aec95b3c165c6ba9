#!/usr/bin/env node
// metalake CLI: admin jobs. `token` mints development tokens with the configured secret,
// `import` publishes a JSON-lines file of events, `crawl` reads a source through a connector, `worker` runs the Kafka workers without the API,
// `reindex` rebuilds a tenant's search index from the graph store.
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { openSearch, openStore, startRuntime, untilShutdown } from '../app.js';
import { withDevelopmentSecret } from '../auth/dev-secret.js';
import { reindexTenant } from '../services/reindex.js';
import { mintDevToken } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config.js';
import { ROLES, type Role, isRole, isTenant } from '../domain/auth.js';
import { createLogger } from '../logger.js';
import { type Connector } from '../streams/connectors/crawl.js';
import { SourceSpecError, connectorFor } from '../streams/connectors/sources.js';
import { tagRulesAt } from '../streams/tag-rules.js';
import { crawlFromCli } from './crawl.js';
import { importFile } from './import.js';

const USAGE = `Usage: metalake <command> [options]

Commands:
  token --tenant <tenant> --roles <role,...> [--subject <sub>] [--ttl <seconds>]
      Mint an HS256 development token (roles: ${ROLES.join(', ')}).
  import <file.jsonl> [--tenant <tenant>] [--batch <n>] [--no-progress]
      Publish one CloudEvent per line to the ingest lanes (KAFKA_BROKERS), or apply them to the
      embedded store in DATA_DIR. Exit code 1 when any line was invalid or refused.
  reindex --tenant <tenant> [--no-progress]
      Rebuild the tenant's search index from the graph store beside the live one, then switch
      searches to it in one step (they keep answering meanwhile). Needed after a mapping change.
  crawl postgres --tenant <tenant> --url postgres://user@host:5432/db [--password-file <file>]
        [--include-schemas <glob,...>] [--exclude-schemas <glob,...>] [--include-tables <schema.table glob,...>]
        [--exclude-tables <glob,...>] [--no-progress]
      Crawl a PostgreSQL database's catalog (password: in the URL, PGPASSWORD or --password-file).
  crawl dbt --tenant <tenant> --manifest target/manifest.json [--catalog target/catalog.json]
        [--run-results target/run_results.json] [--target postgres://host:5432] [--rules <file.yaml>] [--no-progress]
      Read a dbt project's artifacts: sources, seeds, models, snapshots, lineage, tags, failed tests.
      Both apply to the embedded store in DATA_DIR, or publish to the ingest lanes (KAFKA_BROKERS);
      what the source no longer has is deleted after a successful run. Exit code 0 only when the
      run SUCCEEDED; the run (counts, errors) is printed as JSON and kept (crawlRuns).
  worker
      Run the Kafka workers named in WORKERS (ingest lanes, enforcer output) and the outbox
      relay, without the API server. Needs KAFKA_BROKERS. Stops cleanly on SIGTERM.
`;

/** Development tokens live at most 30 days: a forgotten one must not work for decades. */
const MAX_TTL_SECONDS = 30 * 24 * 3600;

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      roles: { type: 'string', default: 'viewer' },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '43200' },
    },
    strict: true,
  });
  const roles = (values.roles ?? '')
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter((r) => r.length > 0);
  const unknown = roles.filter((r) => !isRole(r));
  const tenant = tenantFlag(values.tenant);
  if (unknown.length > 0) throw new UsageError(`unknown roles: ${unknown.join(', ')} (known: ${ROLES.join(', ')})`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS)
    throw new UsageError(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (30 days)`);
  const config = withDevelopmentSecret(loadConfig());
  const jwt = await mintDevToken(config.jwt, {
    tenant,
    roles: roles as Role[],
    ttlSeconds: ttl,
    ...(values.subject ? { subject: values.subject } : {}),
  });
  process.stdout.write(`${jwt}\n`);
}

async function importCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, batch: { type: 'string', default: '500' }, 'no-progress': { type: 'boolean', default: false } },
    strict: true,
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('give exactly one file');
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new UsageError('--batch must be 1 to 10000');
  const report = await importFile(loadConfig(), {
    file,
    tenant: values.tenant ?? null,
    batch,
    progress: !values['no-progress'] && process.stderr.isTTY,
  });
  for (const p of [
    ...report.invalid.map((i) => ({ ...i, kind: 'invalid' })),
    ...report.refused.map((r) => ({ ...r, kind: 'refused' })),
  ].slice(0, 50)) {
    process.stderr.write(`line ${p.line}: ${p.kind}: ${p.message}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({ lines: report.lines, accepted: report.accepted, invalid: report.invalid.length, refused: report.refused.length })}\n`,
  );
  if (report.invalid.length + report.refused.length > 0) process.exitCode = 1;
}

async function worker(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka) throw new UsageError('worker needs KAFKA_BROKERS (in embedded mode the server applies events itself)');
  const log = createLogger(config.logLevel);
  const runtime = await startRuntime(config, log);
  log.info({ workers: [...runtime.workers.keys()] }, 'metalake worker running');
  await untilShutdown(() => runtime.close(), log, config.shutdownGraceMs);
}

async function reindex(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { tenant: { type: 'string' }, 'no-progress': { type: 'boolean', default: false } },
    strict: true,
  });
  const tenant = tenantFlag(values.tenant);
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr');
  const store = await openStore(config, log);
  const search = await openSearch(config).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const bar =
    !values['no-progress'] && process.stderr.isTTY
      ? new SingleBar({ format: 'reindex {bar} {percentage}% | {value}/{total} assets | {eta_formatted} left', stream: process.stderr })
      : null;
  const started = performance.now();
  try {
    bar?.start(1, 0);
    const result = await reindexTenant(store, search, tenant, ({ done, total }) => {
      bar?.setTotal(total);
      bar?.update(done);
    });
    bar?.stop();
    process.stdout.write(
      `${JSON.stringify({ tenant, search: search.kind, assets: result.done, seconds: Math.round((performance.now() - started) / 100) / 10 })}\n`,
    );
  } finally {
    bar?.stop();
    await search.close();
    await store.close();
  }
}

async function crawlCommand(args: string[]): Promise<void> {
  const [type, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      tenant: { type: 'string' },
      url: { type: 'string' },
      'password-file': { type: 'string' },
      'include-schemas': { type: 'string' },
      'exclude-schemas': { type: 'string' },
      'include-tables': { type: 'string' },
      'exclude-tables': { type: 'string' },
      manifest: { type: 'string' },
      catalog: { type: 'string' },
      'run-results': { type: 'string' },
      target: { type: 'string' },
      rules: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const tenant = tenantFlag(values.tenant);
  const config = loadConfig();
  const list = (v: string | undefined) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : undefined;
  let connector: Connector;
  try {
    connector = connectorFor(
      type === 'postgres'
        ? {
            type: 'postgres',
            url: values.url ?? usage('--url is required'),
            ...(values['password-file'] ? { password: { file: values['password-file'] } } : {}),
            include: { schemas: list(values['include-schemas']), tables: list(values['include-tables']) },
            exclude: { schemas: list(values['exclude-schemas']), tables: list(values['exclude-tables']) },
          }
        : type === 'dbt'
          ? {
              type: 'dbt',
              manifest: values.manifest ?? usage('--manifest is required'),
              catalog: values.catalog,
              runResults: values['run-results'],
              target: values.target,
              rules: values.rules,
            }
          : usage(`unknown connector ${type ?? '(none)'}: postgres or dbt`),
      { tagRules: tagRulesAt(config.ingest.tagRulesFile) },
    );
  } catch (error) {
    if (error instanceof SourceSpecError) throw new UsageError(error.message);
    throw error;
  }
  const run = await crawlFromCli(config, connector, {
    tenant,
    progress: !values['no-progress'] && process.stderr.isTTY,
  });
  for (const e of run.errors.slice(0, 20)) process.stderr.write(`${e}\n`);
  process.stdout.write(`${JSON.stringify(run)}\n`);
  if (run.status !== 'SUCCEEDED') process.exitCode = 1;
}

const usage = (message: string): never => {
  throw new UsageError(message);
};

class UsageError extends Error {}

/** The --tenant flag, checked as the server checks a token's tenant. */
function tenantFlag(value: string | undefined): string {
  if (!value) throw new UsageError('--tenant is required');
  if (!isTenant(value))
    throw new UsageError(
      `--tenant "${value}" is not a tenant the server accepts: letters, digits, _ . - (starting with a letter or digit), at most 128`,
    );
  return value;
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { token, import: importCommand, crawl: crawlCommand, reindex, worker };
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write(USAGE);
  process.exit(command ? 2 : 0);
} else {
  run(rest).catch((error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`metalake ${command}: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`metalake ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
