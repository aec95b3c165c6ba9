// The test runner's isolation rules (scripts/run-tests.mjs): declarations are parsed strictly,
// exclusive users of an engine never overlap (while shared users do: the control that proves an
// overlap would have been seen), and a file gets the endpoints of the engines it declared only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type * as Runner from '../scripts/run-tests.mjs';
import { PROJECT_ROOT } from '../src/paths.js';
import { tempDir } from './support/fixtures.js';

const RUNNER = join(PROJECT_ROOT, 'scripts', 'run-tests.mjs');
const { compatible, declaredEngines, declaresBrowser } = (await import(pathToFileURL(RUNNER).href)) as typeof Runner;

describe('test runner', () => {
  it('reads a @browser declaration from the leading comments only', () => {
    assert.equal(declaresBrowser('x', '// @browser\n// The catalog.\nimport x from "y";\n'), true);
    assert.equal(declaresBrowser('x', '// @engines kafka\n// @browser\nimport x from "y";\n'), true);
    assert.equal(declaresBrowser('x', '// The catalog.\nimport x from "y";\n// @browser\n'), false, 'after code it does not count');
    assert.equal(declaresBrowser('x', '// @browsers\n'), false);
  });

  it('reads the @engines line of a file’s leading comments, and refuses what it does not know', () => {
    assert.deepEqual(
      declaredEngines('x', '#!/usr/bin/env node\n// A test.\n// @engines neo4j:exclusive kafka elasticsearch:shared\nimport x from "y";\n'),
      { neo4j: 'exclusive', kafka: 'shared', elasticsearch: 'shared' },
    );
    assert.deepEqual(
      declaredEngines('x', '// no declaration\nimport x from "y";\n// @engines neo4j\n'),
      {},
      'only the leading comment block counts',
    );
    assert.throws(() => declaredEngines('x', '// @engines oracle\n'), /oracle/);
    assert.throws(() => declaredEngines('x', '// @engines neo4j:sometimes\n'), /neo4j:sometimes/);
    assert.throws(() => declaredEngines('x', '// @engines kafka kafka:exclusive\n'), /twice/);
  });

  it('lets shared users of an engine run together and an exclusive user run alone', () => {
    assert.equal(compatible({ kafka: 'shared' }, [{ kafka: 'shared' }, { elasticsearch: 'exclusive' }]), true);
    assert.equal(compatible({ neo4j: 'exclusive' }, [{ kafka: 'shared' }]), true);
    assert.equal(compatible({ neo4j: 'exclusive' }, [{ neo4j: 'shared' }]), false);
    assert.equal(compatible({ neo4j: 'shared' }, [{ neo4j: 'exclusive', kafka: 'shared' }]), false);
    assert.equal(compatible({ neo4j: 'exclusive' }, [{ neo4j: 'exclusive' }]), false);
    assert.equal(compatible({}, [{ neo4j: 'exclusive' }]), true);
  });

  it('every test file of this project declares engines the runner knows', () => {
    const files = (function find(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
      );
    })(join(PROJECT_ROOT, 'test'));
    const declared = Object.fromEntries(files.map((f) => [relative(PROJECT_ROOT, f), declaredEngines(f)]));
    // The files that start servers on Neo4j (relays, workers, job claims) hold it alone.
    assert.equal(declared['test/neo4j-kafka.test.ts']?.neo4j, 'exclusive');
    assert.equal(declared['test/hostile-neo4j-elasticsearch.test.ts']?.neo4j, 'exclusive');
  });

  /** Runs the runner on fixture test files; each appends `name start|end` lines to a shared log. */
  async function runFixtures(files: Record<string, string>): Promise<{ status: number | null; output: string; log: string[] }> {
    const dir = tempDir('metalake-runner-');
    try {
      mkdirSync(join(dir.path, 'dist'));
      const logFile = join(dir.path, 'log');
      writeFileSync(logFile, '');
      for (const [name, body] of Object.entries(files)) writeFileSync(join(dir.path, 'dist', `${name}.test.js`), body);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        FIXTURE_LOG: logFile,
        NEO4J_URI: 'bolt://127.0.0.1:9',
        KAFKA_BROKERS: '127.0.0.1:9',
        ELASTICSEARCH_URL: 'http://127.0.0.1:9',
        STORE: 'neo4j',
      };
      delete env.CI;
      delete env.NODE_TEST_CONTEXT;
      const child = spawn(process.execPath, [RUNNER], { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { status, output, log: readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean) };
    } finally {
      dir.remove();
    }
  }

  // A fixture file: logs its start, optionally waits for another file's start (a barrier with a
  // deadline), logs its end. `overlapFails`: seeing the other file start is a failure.
  const fixture = (
    name: string,
    engines: string,
    waitFor: string | null,
    overlapFails: boolean,
    deadlineMs: number,
  ) => `// @engines ${engines}
const { test } = require('node:test');
const { appendFileSync, readFileSync } = require('node:fs');
const log = (line) => appendFileSync(process.env.FIXTURE_LOG, line + '\\n');
test('${name}', async () => {
  log('${name} start');
  const other = ${JSON.stringify(waitFor)};
  if (other) {
    let seen = false;
    for (const deadline = Date.now() + ${deadlineMs}; !seen && Date.now() < deadline;) {
      seen = readFileSync(process.env.FIXTURE_LOG, 'utf8').includes(other + ' start');
      if (!seen) await new Promise((r) => setTimeout(r, 20));
    }
    if (seen === ${overlapFails}) throw new Error(${overlapFails} ? other + ' ran at the same time' : other + ' never ran at the same time');
  }
  log('${name} end');
});
`;

  it('runs shared users of an engine at the same time (the control: an overlap is seen)', async () => {
    const r = await runFixtures({ a: fixture('a', 'kafka', 'b', false, 60_000), b: fixture('b', 'kafka:shared', 'a', false, 60_000) });
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(r.log.slice(0, 2).sort(), ['a start', 'b start']);
  });

  it('never runs two exclusive users of one engine at the same time', async () => {
    // Under a broken scheduler b starts within milliseconds of a (two free slots), and a sees it.
    const r = await runFixtures({
      a: fixture('a', 'neo4j:exclusive kafka', 'b', true, 3000),
      b: fixture('b', 'neo4j:exclusive', null, true, 0),
    });
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(r.log, ['a start', 'a end', 'b start', 'b end']);
  });

  it('gives a file the endpoints of the engines it declared, and no others', async () => {
    const probe = (engines: string) => `// @engines ${engines}
const { test } = require('node:test');
const { appendFileSync } = require('node:fs');
test('env', () => appendFileSync(process.env.FIXTURE_LOG, JSON.stringify([${JSON.stringify(engines)}, process.env.NEO4J_URI ?? null, process.env.KAFKA_BROKERS ?? null, process.env.ELASTICSEARCH_URL ?? null, process.env.STORE ?? null]) + '\\n'));
`;
    const r = await runFixtures({
      none:
        '// nothing declared\nconst { test } = require("node:test");\nconst { appendFileSync } = require("node:fs");\n' +
        'test("env", () => appendFileSync(process.env.FIXTURE_LOG, JSON.stringify(["", process.env.NEO4J_URI ?? null, process.env.KAFKA_BROKERS ?? null, process.env.ELASTICSEARCH_URL ?? null, process.env.STORE ?? null]) + "\\n"));\n',
      kafka: probe('kafka'),
      neo4j: probe('neo4j:exclusive elasticsearch'),
    });
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(
      new Set(r.log),
      new Set([
        JSON.stringify(['', null, null, null, null]),
        JSON.stringify(['kafka', null, '127.0.0.1:9', null, null]),
        JSON.stringify(['neo4j:exclusive elasticsearch', 'bolt://127.0.0.1:9', null, 'http://127.0.0.1:9', 'neo4j']),
      ]),
    );
  });

  it('fails the run when a file fails, and names it', async () => {
    const r = await runFixtures({
      good: '// @engines\nrequire("node:test").test("ok", () => {});\n',
      bad: '// @engines\nrequire("node:test").test("no", () => { throw new Error("boom"); });\n',
    });
    assert.equal(r.status, 1);
    assert.match(r.output, /✖ failed: bad\.test\.js/);
    assert.match(r.output, /tests 2, passed 1, failed 1/);
  });
});
