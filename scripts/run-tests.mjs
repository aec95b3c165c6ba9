#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's test runner, after starting the
// real engines those files need (once, through scripts/engines.mjs) and stopping them afterwards.
// Node 20's `--test` takes no globs and has no global set-up, so both happen here.
//
//   node scripts/run-tests.mjs [filter]    only files whose path contains `filter`
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { down, missingTools, up } from './engines.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

/** Which engines a test file needs, from its name. */
const needs = (file) => ['neo4j', 'kafka', 'elasticsearch'].filter((engine) => file.includes(engine) || file.includes(`${join('test', 'engines')}`));

const filter = process.argv[2];
let files = find('dist').filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (run `npm run build` first)');
  process.exit(1);
}
const engines = [...new Set(files.flatMap(needs))];
let started = [];
let env = {};
if (engines.length > 0) {
  const missing = missingTools();
  const given = engines.every((e) => process.env[{ neo4j: 'NEO4J_URI', kafka: 'KAFKA_BROKERS', elasticsearch: 'ELASTICSEARCH_URL' }[e]]);
  if (missing.length > 0 && !given) {
    if (process.env.CI) {
      console.error(`CI: ${missing.join(' and ')} not found, and the engine tests (${engines.join(', ')}) must run in CI. Install a JDK 17+ and Maven.`);
      process.exit(1);
    }
    console.error(`\n*** ${missing.join(' and ')} not found: the tests against real ${engines.join(', ')} are NOT run on this machine. ***\n*** Install a JDK 17+ and Maven (or set NEO4J_URI, KAFKA_BROKERS, ELASTICSEARCH_URL) to run them. ***\n`);
    files = files.filter((f) => needs(f).length === 0);
    if (files.length === 0) process.exit(0);
  } else {
    ({ env, started } = await up(engines));
  }
}
// Interrupted (Ctrl-C, CI cancel): stop what we started rather than leave engines behind.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    child?.kill(signal);
    down(started).finally(() => process.exit(130));
  });
}
let child;
const status = await new Promise((resolve) => {
  // A test that hangs fails with its name after the timeout instead of stalling the run.
  child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-timeout=120000', `--test-reporter=${process.env.TEST_REPORTER ?? 'spec'}`, ...files],
    { stdio: 'inherit', env: { ...process.env, ...env } });
  child.once('exit', (code) => resolve(code ?? 1));
});
if (started.length > 0) await down(started);
process.exit(status);
