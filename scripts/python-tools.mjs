#!/usr/bin/env node
// Python tools the tests drive (dbt-core with dbt-postgres, and dbt-ol), installed from PyPI into a
// virtual environment this script creates once per requirements file (keyed by its content, so a
// pin change makes a new one) in the engines cache. Two test runs on one machine at once: the
// first installs under a lock directory, the second waits for it.
//
//   node scripts/python-tools.mjs dbt     prints the environment's bin directory
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive } from './engines.mjs';

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'python');
const IS_ROOT = process.getuid?.() === 0;
const BASE = process.env.METALAKE_ENGINES_DIR ?? (IS_ROOT ? '/var/tmp/metalake-engines' : join(homedir(), '.cache', 'metalake-engines'));
const log = (msg) => process.stderr.write(`[python-tools] ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bin directory of the named tool set's virtual environment, creating it first when needed. */
export async function ensurePythonTools(name) {
  const requirements = join(HERE, `${name}-requirements.txt`);
  const text = readFileSync(requirements, 'utf8');
  const key = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const home = join(BASE, `python-${name}-${key}`);
  const bin = join(home, 'bin');
  if (existsSync(join(home, '.complete'))) return bin;
  mkdirSync(BASE, { recursive: true });
  const lock = `${home}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (existsSync(join(home, '.complete'))) return bin;
      const holder = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else await sleep(1000);
    }
  }
  try {
    if (existsSync(join(home, '.complete'))) return bin;
    rmSync(home, { recursive: true, force: true });
    log(`creating ${home} from PyPI (${name}; first run on this machine only)`);
    const t0 = Date.now();
    const venv = spawnSync('python3', ['-m', 'venv', home], { encoding: 'utf8' });
    if (venv.status !== 0) throw new Error(`python3 -m venv failed: ${venv.stderr || venv.error?.message}`);
    const pip = spawnSync(join(bin, 'pip'), ['install', '--disable-pip-version-check', '-q', '-r', requirements], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (pip.status !== 0) throw new Error(`pip install -r ${requirements} failed:\n${(pip.stderr || '').slice(-4000)}`);
    writeFileSync(join(home, '.complete'), new Date().toISOString());
    log(`${name} ready (${Math.round((Date.now() - t0) / 1000)} s)`);
    return bin;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const name = process.argv[2];
  if (!name) {
    console.error('usage: python-tools.mjs <name> (a scripts/python/<name>-requirements.txt)');
    process.exit(2);
  }
  ensurePythonTools(name).then(
    (bin) => console.log(bin),
    (error) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
