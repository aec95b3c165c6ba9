// The development secret: with neither JWT_SECRET nor JWT_JWKS_URL set, the server and the CLI
// (`token`, `worker`) sign and verify with one random HS256 secret kept in the data directory.
// Called by the processes that need it (app.ts, cli/main.ts), never by loadConfig.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config.js';

/** The configuration with the development secret filled in (read, or created once); unchanged otherwise. */
export function withDevelopmentSecret(config: Config): Config {
  if (!config.jwt.devSecret || config.jwt.secret) return config;
  return { ...config, jwt: { ...config.jwt, secret: readOrCreate(config.jwt.devSecretFile) } };
}

function readOrCreate(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
  chmodSync(file, 0o600);
  return secret;
}
