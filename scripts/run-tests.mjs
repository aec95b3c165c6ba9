#!/usr/bin/env node
// The test runner: every compiled test file (dist/**/*.test.js) in a process of its own, after
// starting the real engines those files declare (once, through scripts/engines.mjs), and stopping
// them afterwards.
//
// A test file declares the engines it needs in a line of its own, before any code:
//
//   // @engines neo4j:exclusive kafka elasticsearch
//
// A file that drives the web catalog in a real browser declares `// @browser`: the runner makes
// sure Chromium is installed (scripts/browser.mjs) and gives such files CHROMIUM_PATH.
//
// `name` (or `name:shared`) means the file shares the engine with other files that do (Kafka
// topics, consumer groups and Elasticsearch indices are the file's own); `name:exclusive` means no
// other file may use that engine while this one runs (Neo4j Community has one database, and the
// outbox relays, propagation workers and job claims of one file's servers would take another's).
// The runner enforces both: a file gets the endpoints of the engines it declared and no others
// (an undeclared use fails with "NEO4J_URI is not set", it cannot disturb another file), and
// files are scheduled as readers and writers of each engine.
//
//   node scripts/run-tests.mjs [filter...]    only files whose path contains one of the filters
//
// Environment: TEST_CONCURRENCY (files at once, default 2), TEST_FILE_TIMEOUT_MS (a whole file,
// default 15 min), TEST_REPORTER (node's reporter for each file, default spec).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureChromium } from './browser.mjs';
import { down, ENDPOINT_VARS, ENGINES, missingTools, up } from './engines.mjs';

/** What a process must not inherit unless its file declared the engine (the store selection too). */
const ENGINE_VARS = {
  neo4j: ['NEO4J_URI', 'NEO4J_USER', 'NEO4J_PASSWORD', 'NEO4J_DATABASE'],
  kafka: ['KAFKA_BROKERS'],
  elasticsearch: ['ELASTICSEARCH_URL'],
  postgres: ['POSTGRES_URL'],
};
const CONCURRENCY = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? 2));
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000);
const REPORTER = process.env.TEST_REPORTER ?? 'spec';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

/**
 * The engines a compiled test file declares: { neo4j: 'exclusive', kafka: 'shared' }. Only the
 * file's leading comment block is read; a malformed or unknown declaration stops the run.
 */
export function declaredEngines(file, source = readFileSync(file, 'utf8')) {
  const needs = {};
  for (const text of leadingComments(source)) {
    const m = /^\/\/\s*@engines\b(.*)$/.exec(text);
    if (!m) continue;
    for (const word of m[1].trim().split(/\s+/).filter(Boolean)) {
      const [name, mode = 'shared', ...rest] = word.split(':');
      if (!ENGINES.includes(name) || !['shared', 'exclusive'].includes(mode) || rest.length > 0) {
        throw new Error(
          `${file}: "${word}" in its @engines line is not one of ${ENGINES.map((e) => `${e}[:shared|:exclusive]`).join(', ')}`,
        );
      }
      if (needs[name]) throw new Error(`${file}: ${name} is declared twice`);
      needs[name] = mode;
    }
  }
  return needs;
}

/** Whether a compiled test file declares `// @browser` in its leading comment block. */
export function declaresBrowser(file, source = readFileSync(file, 'utf8')) {
  return leadingComments(source).some((text) => /^\/\/\s*@browser\s*$/.test(text));
}

/** The comment lines a file starts with (a shebang and blank lines skipped): where declarations live. */
function leadingComments(source) {
  const comments = [];
  for (const line of source.split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('#!')) continue;
    if (!text.startsWith('//')) break;
    comments.push(text);
  }
  return comments;
}

/** May `needs` start while `running` (declarations of the files running now) run? */
export function compatible(needs, running) {
  return Object.entries(needs).every(([engine, mode]) =>
    running.every((other) => !(engine in other) || (mode === 'shared' && other[engine] === 'shared')),
  );
}

/** The process environment of one file: the engines it declared and no others. */
function envFor(needs, endpoints) {
  const env = { ...process.env };
  // Set when this runner itself runs under node's test runner (its own tests): a file's process
  // would then report in the parent's protocol instead of printing its results.
  delete env.NODE_TEST_CONTEXT;
  for (const engine of ENGINES) {
    if (engine in needs) continue;
    for (const name of ENGINE_VARS[engine]) delete env[name];
    if (engine === 'neo4j' && env.STORE === 'neo4j') delete env.STORE;
  }
  for (const engine of Object.keys(needs))
    if (endpoints[ENDPOINT_VARS[engine]]) env[ENDPOINT_VARS[engine]] = endpoints[ENDPOINT_VARS[engine]];
  return env;
}

/** The counts node's spec (or tap) reporter prints at the end of a file's run. */
function summaryOf(output) {
  const counts = {};
  for (const m of output.matchAll(/^(?:ℹ|#) (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  return counts;
}

const describeNeeds = (needs) =>
  Object.entries(needs)
    .map(([e, m]) => (m === 'exclusive' ? `${e}!` : e))
    .join(' ') || '-';
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one file in its own process, its output buffered so that files running at once do not interleave. */
function runFile(file, env, children) {
  return new Promise((resolve) => {
    const started = Date.now();
    // node applies --test-timeout to the file as a whole too (its root test), so it is the file's
    // bound here; the kill below is the backstop for a process that does not end.
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', '--test', `--test-timeout=${FILE_TIMEOUT_MS}`, `--test-reporter=${REPORTER}`, file],
      { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    children.add(child);
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, FILE_TIMEOUT_MS + 60_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const output = Buffer.concat(chunks).toString('utf8');
      resolve({ file, code: timedOut ? 'timeout' : (code ?? signal), ms: Date.now() - started, output, counts: summaryOf(output) });
    });
  });
}

async function main(filters) {
  const t0 = Date.now();
  const all = find('dist')
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (all.length === 0) {
    console.error('no test files found under dist/ (run `npm run build` first)');
    return 1;
  }
  let files = all.map((file) => ({ file, needs: declaredEngines(file), browser: declaresBrowser(file) }));
  let chromium = null;
  if (files.some((f) => f.browser)) {
    const result = ensureChromium();
    if (result.error) {
      if (process.env.CI) {
        console.error(`CI: ${result.error}; the browser tests must run in CI.`);
        return 1;
      }
      console.error(`\n*** ${result.error}: the browser tests are NOT run on this machine. ***\n`);
      files = files.filter((f) => !f.browser);
    } else chromium = result.path;
  }
  const engines = ENGINES.filter((e) => files.some((f) => e in f.needs));
  let started = [];
  let endpoints = {};
  let engineMs = 0;
  if (engines.length > 0) {
    const missing = missingTools();
    const given = engines.every((e) => process.env[ENDPOINT_VARS[e]]);
    if (missing.length > 0 && !given) {
      if (process.env.CI) {
        console.error(
          `CI: ${missing.join(' and ')} not found, and the engine tests (${engines.join(', ')}) must run in CI. Install a JDK 17+ and Maven.`,
        );
        return 1;
      }
      console.error(
        `\n*** ${missing.join(' and ')} not found: the tests against real ${engines.join(', ')} are NOT run on this machine. ***\n*** Install a JDK 17+ and Maven (or set NEO4J_URI, KAFKA_BROKERS, ELASTICSEARCH_URL) to run them. ***\n`,
      );
      files = files.filter((f) => Object.keys(f.needs).length === 0);
      if (files.length === 0) return 0;
    } else {
      const e0 = Date.now();
      ({ env: endpoints, started } = await up(engines));
      engineMs = Date.now() - e0;
    }
  }

  const children = new Set();
  const stop = (signal) => {
    for (const child of children) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* gone */
      }
    }
    down(started).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  // Files holding an engine exclusively form a chain: start them first, so that the chain runs
  // beside the other files instead of after them.
  const pending = [...files].sort(
    (a, b) => Number(Object.values(b.needs).includes('exclusive')) - Number(Object.values(a.needs).includes('exclusive')),
  );
  const running = new Map();
  const results = [];
  const t1 = Date.now();
  await new Promise((resolveAll, rejectAll) => {
    const pump = () => {
      for (let i = 0; i < pending.length && running.size < CONCURRENCY;) {
        const next = pending[i];
        if (
          !compatible(
            next.needs,
            [...running.values()].map((r) => r.needs),
          )
        ) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        console.log(`▶ ${relative('dist', next.file)} [${describeNeeds(next.needs)}]`);
        const env = envFor(next.needs, endpoints);
        if (next.browser && chromium) env.CHROMIUM_PATH = chromium;
        else delete env.CHROMIUM_PATH;
        const promise = runFile(next.file, env, children).then((result) => {
          running.delete(next.file);
          results.push({ ...result, needs: next.needs });
          const c = result.counts;
          console.log(
            `\n━━ ${relative('dist', result.file)} [${describeNeeds(next.needs)}] ${seconds(result.ms)}: ${result.code === 0 ? 'passed' : `FAILED (${result.code})`}, ${c.pass ?? 0}/${c.tests ?? 0} passed ━━`,
          );
          process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
          if (pending.length === 0 && running.size === 0) resolveAll();
          else pump();
        });
        running.set(next.file, { needs: next.needs, promise });
      }
      if (pending.length > 0 && running.size === 0) rejectAll(new Error('no test file can start: the scheduler is stuck'));
    };
    pump();
  });
  const testMs = Date.now() - t1;
  if (started.length > 0) await down(started);

  const total = (key) => results.reduce((n, r) => n + (r.counts[key] ?? 0), 0);
  const failed = results.filter((r) => r.code !== 0);
  // In CI every test runs: a skipped or todo test hides something that was meant to be checked.
  const skipped = process.env.CI ? results.filter((r) => (r.counts.skipped ?? 0) + (r.counts.todo ?? 0) > 0) : [];
  const busy = (pick) => results.filter(pick).reduce((n, r) => n + r.ms, 0);
  console.log('\n━━ summary ━━');
  for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
    console.log(`${r.code === 0 ? '✔' : '✖'} ${seconds(r.ms).padStart(8)}  ${relative('dist', r.file)} [${describeNeeds(r.needs)}]`);
  }
  console.log(
    `tests ${total('tests')}, passed ${total('pass')}, failed ${total('fail')}, cancelled ${total('cancelled')}, skipped ${total('skipped')}, todo ${total('todo')}; files ${results.length}, failed ${failed.length}`,
  );
  console.log(
    `time: ${seconds(Date.now() - t0)} in all; engines start ${seconds(engineMs)}; tests ${seconds(testMs)} on ${CONCURRENCY} slots ` +
      `(engine test files ${seconds(busy((r) => Object.keys(r.needs).length > 0))}, the others ${seconds(busy((r) => Object.keys(r.needs).length === 0))}, summed per file)`,
  );
  for (const r of failed) console.log(`✖ failed: ${relative('dist', r.file)} (${r.code})`);
  for (const r of skipped) console.log(`✖ skipped or todo tests in CI: ${relative('dist', r.file)}`);
  return failed.length === 0 && skipped.length === 0 && results.length === files.length ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
