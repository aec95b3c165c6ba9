// Sources as configured: one connector spec (from the CLI's flags or a CONNECTORS_FILE entry) →
// a connector. Credentials come from the environment or a file at the moment a run starts; they
// are never stored in metalake (runs, logs and errors show URLs without their password).
//
// CONNECTORS_FILE (YAML):
//   sources:
//     - tenant: acme
//       type: postgres
//       url: postgres://crawler@db.internal:5432/shop
//       password: { env: SHOP_DB_PASSWORD }        # or { file: /run/secrets/shop-db }
//       schedule: "*/30 * * * *"                    # cron, UTC
//       include: { schemas: [public, sales] }
//       exclude: { tables: ["*.tmp_*"] }
//     - tenant: acme
//       type: dbt
//       manifest: /dbt/target/manifest.json
//       catalog: /dbt/target/catalog.json
//       runResults: /dbt/target/run_results.json
//       schedule: "0 * * * *"
//       rules: /etc/metalake/tag-rules.yaml
import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { z } from 'zod';
import { readDataFile } from '../../data-files.js';
import { isTenant } from '../../domain/auth.js';
import type { Connector } from './crawl.js';
import { dbtConnector } from './dbt.js';
import { postgresConnector } from './postgres.js';
import { TagRuleError, type TagRules, loadTagRules } from '../tag-rules.js';

const secret = z.union([z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })]);
const globs = z.array(z.string().min(1)).max(1000).optional();
const patterns = z.strictObject({ schemas: globs, tables: globs }).optional();

const PostgresSpec = z.strictObject({
  type: z.literal('postgres'),
  url: z.string().min(1),
  password: secret.optional(),
  include: patterns,
  exclude: patterns,
  timeoutMs: z.number().int().min(1000).max(600_000).optional(),
});
const DbtSpec = z.strictObject({
  type: z.literal('dbt'),
  manifest: z.string().min(1),
  catalog: z.string().min(1).optional(),
  runResults: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  /** A tag-rules file (streams/tag-rules.ts); TAG_RULES_FILE's (or the built-in) rules when absent. */
  rules: z.string().min(1).optional(),
});
export const SourceSpec = z.discriminatedUnion('type', [PostgresSpec, DbtSpec]);
export type SourceSpecInput = z.input<typeof SourceSpec>;

const cron = z.string().refine(
  (expression) => {
    try {
      new Cron(expression, { paused: true, timezone: 'UTC' });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a cron expression (minute hour day-of-month month day-of-week, e.g. "*/30 * * * *")' },
);

const ScheduledSource = z.intersection(
  SourceSpec,
  z.object({
    tenant: z.string().refine(isTenant, { message: 'not a tenant name' }),
    schedule: cron,
  }),
);
const ConnectorsFile = z.strictObject({ sources: z.array(z.unknown()).max(1000) });

export type ScheduledSourceSpec = z.output<typeof ScheduledSource>;

/** A spec that cannot become a connector (a bad flag, a missing secret, a bad rules file). */
export class SourceSpecError extends Error {}

const issues = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ');

/** The connector a spec describes; secrets are read now. */
export function connectorFor(input: unknown, defaults: { tagRules?: TagRules | undefined } = {}): Connector {
  const parsed = SourceSpec.safeParse(stripUndefined(input));
  if (!parsed.success) throw new SourceSpecError(issues(parsed.error));
  const spec = parsed.data;
  switch (spec.type) {
    case 'postgres':
      return postgresConnector({
        url: spec.url,
        password: spec.password ? readSecret(spec.password) : undefined,
        include: spec.include,
        exclude: spec.exclude,
        timeoutMs: spec.timeoutMs,
      });
    case 'dbt': {
      let rules;
      try {
        rules = spec.rules ? loadTagRules(spec.rules) : defaults.tagRules;
      } catch (error) {
        if (error instanceof TagRuleError) throw new SourceSpecError(error.message);
        throw error;
      }
      return dbtConnector({ manifest: spec.manifest, catalog: spec.catalog, runResults: spec.runResults, target: spec.target, rules });
    }
  }
}

function readSecret(s: { env: string } | { file: string }): string {
  if ('env' in s) {
    const value = process.env[s.env];
    if (value === undefined) throw new SourceSpecError(`the environment variable ${s.env} (a source's password) is not set`);
    return value;
  }
  try {
    return readFileSync(s.file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new SourceSpecError(`cannot read the password file ${s.file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Every entry of a CONNECTORS_FILE, checked whole (a bad entry names its index). */
export function loadConnectorsFile(path: string): ScheduledSourceSpec[] {
  let raw: unknown;
  try {
    raw = readDataFile(path);
  } catch (error) {
    throw new SourceSpecError(`CONNECTORS_FILE ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const file = ConnectorsFile.safeParse(raw);
  if (!file.success) throw new SourceSpecError(`CONNECTORS_FILE ${path}: ${issues(file.error)}`);
  const problems: string[] = [];
  const specs: ScheduledSourceSpec[] = [];
  file.data.sources.forEach((entry, i) => {
    const parsed = ScheduledSource.safeParse(entry);
    if (parsed.success) specs.push(parsed.data);
    else problems.push(`sources[${i}]: ${issues(parsed.error)}`);
  });
  if (problems.length > 0) throw new SourceSpecError(`CONNECTORS_FILE ${path}:\n  - ${problems.join('\n  - ')}`);
  return specs;
}

const stripUndefined = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, stripUndefined(v)]),
      )
    : value;
