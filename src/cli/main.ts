#!/usr/bin/env node
// metalake CLI: admin jobs. `token` mints development tokens with the configured secret.
import { parseArgs } from 'node:util';
import { mintDevToken } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config.js';
import { ROLES, type Role, isRole } from '../domain/auth.js';

const USAGE = `Usage: metalake <command> [options]

Commands:
  token --tenant <tenant> --roles <role,...> [--subject <sub>] [--ttl <seconds>]
      Mint an HS256 development token (roles: ${ROLES.join(', ')}).
`;

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { tenant: { type: 'string' }, roles: { type: 'string', default: 'viewer' }, subject: { type: 'string' }, ttl: { type: 'string', default: '43200' } },
    strict: true,
  });
  const roles = (values.roles ?? '').split(',').map((r) => r.trim().toLowerCase()).filter((r) => r.length > 0);
  const unknown = roles.filter((r) => !isRole(r));
  if (!values.tenant) throw new UsageError('--tenant is required');
  if (unknown.length > 0) throw new UsageError(`unknown roles: ${unknown.join(', ')} (known: ${ROLES.join(', ')})`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new UsageError('--ttl must be a positive number of seconds');
  const config = loadConfig();
  const jwt = await mintDevToken(config.jwt, { tenant: values.tenant, roles: roles as Role[], ttlSeconds: ttl, ...(values.subject ? { subject: values.subject } : {}) });
  process.stdout.write(`${jwt}\n`);
}

class UsageError extends Error {}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { token };
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write(USAGE);
  process.exit(command ? 2 : 0);
} else {
  run(rest).catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`metalake ${command}: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`metalake ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
