// A real dbt (dbt-core with dbt-postgres, and dbt-ol) from the virtual environment the test set-up
// creates (scripts/python-tools.mjs), building a copy of a fixture project against PostgreSQL.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';
import { tempDir } from './fixtures.js';

let bin: string | null = null;

/** The tools' bin directory (installed from PyPI on the first call on a machine). */
export function dbtBin(): string {
  if (bin) return bin;
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'python-tools.mjs'), 'dbt'], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  assert.equal(r.status, 0, `installing dbt failed: ${r.stderr}`);
  bin = r.stdout.trim();
  return bin;
}

export interface DbtProject {
  dir: string;
  target: string;
  /** Runs `dbt <args>` (or `dbt-ol <args>` when `tool` says so) in the project; answers its exit status and output. */
  /** Not blocking: the metalake server dbt-ol sends its events to may run in this very process. */
  run(
    args: string[],
    options?: { tool?: 'dbt' | 'dbt-ol'; env?: Record<string, string> },
  ): Promise<{ status: number | null; output: string }>;
  remove(): void;
}

export function dbtProject(
  fixture: string,
  connection: { host: string; port: number; user: string; password: string; dbname: string },
): DbtProject {
  const dir = tempDir('metalake-dbt-');
  cpSync(join(PROJECT_ROOT, 'test', 'fixtures', 'dbt', fixture), dir.path, { recursive: true });
  writeFileSync(
    join(dir.path, 'profiles.yml'),
    [
      `${fixture}:`,
      '  target: test',
      '  outputs:',
      '    test:',
      '      type: postgres',
      `      host: ${connection.host}`,
      `      port: ${connection.port}`,
      `      user: ${connection.user}`,
      `      password: ${JSON.stringify(connection.password)}`,
      `      dbname: ${connection.dbname}`,
      '      schema: public',
      '      threads: 2',
      '',
    ].join('\n'),
  );
  return {
    dir: dir.path,
    target: join(dir.path, 'target'),
    run(args, options = {}) {
      const child = spawn(join(dbtBin(), options.tool ?? 'dbt'), [...args, '--profiles-dir', dir.path, '--project-dir', dir.path], {
        cwd: dir.path,
        // dbt-ol runs the `dbt` it finds on PATH: this environment's.
        env: {
          ...process.env,
          PATH: `${dbtBin()}:${process.env.PATH ?? ''}`,
          DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
          DO_NOT_TRACK: '1',
          ...options.env,
        },
        timeout: 5 * 60_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (status) => resolve({ status, output }));
      });
    },
    remove: () => dir.remove(),
  };
}
