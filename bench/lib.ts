// Benchmark helpers: open-loop load at a fixed rate, percentiles, a server in its own process.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type * as Engines from '../scripts/engines.mjs';
import { PROJECT_ROOT } from '../src/paths.js';

export interface LatencyStats {
  requests: number;
  errors: number;
  achievedRps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Sends `rps` requests per second for `seconds`, whatever the latency (open loop: slow answers
 * do not slow the arrivals down, so queueing shows up in the percentiles as it would in production).
 */
export async function openLoop(rps: number, seconds: number, request: (i: number) => Promise<boolean>): Promise<LatencyStats> {
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  const total = Math.round(rps * seconds);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rps));
      while (sent < due) {
        const i = sent++;
        const t0 = performance.now();
        const p: Promise<void> = request(i)
          .then(
            (ok) => {
              latencies.push(performance.now() - t0);
              if (!ok) errors++;
            },
            () => {
              latencies.push(performance.now() - t0);
              errors++;
            },
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    achievedRps: round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? Number.NaN),
  };
}

/** The engines harness (scripts/engines.mjs); its `up` uses an endpoint given in the environment instead of starting that engine. */
export async function loadEngines(): Promise<typeof Engines> {
  return (await import(pathToFileURL(join(PROJECT_ROOT, 'scripts/engines.mjs')).href)) as typeof Engines;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for a child's inspector). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The server's retained memory: two full garbage collections through its inspector, then its
 * heap in use and the memory outside the heap (buffers). What an RSS delta cannot tell apart
 * from garbage not yet collected.
 */
export async function retainedMemory(inspectPort: number): Promise<{ heapUsed: number; external: number; arrayBuffers: number }> {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<{ result?: { result?: { value?: string } } }>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: { result?: { value?: string } } };
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        resolve(message);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(r.result?.result?.value ?? '{}') as { heapUsed: number; external: number; arrayBuffers: number };
  } finally {
    socket.close();
  }
}

/** Starts `node dist/src/main.js` on a free port and waits until it is ready. */
export function startServerProcess(env: Record<string, string>, options: { inspectPort?: number } = {}): Promise<ServerProcess> {
  const inspect = options.inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${options.inspectPort}`];
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server under the benchmark's load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...inspect, join(PROJECT_ROOT, 'dist/src/main.js')], {
    // Engine endpoints exported in the shell (the test harness's) reach the server only when the benchmark passes them.
    env: {
      ...process.env,
      NEO4J_URI: '',
      KAFKA_BROKERS: '',
      ELASTICSEARCH_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  // BENCH_SERVER_LOG=<file> keeps the server's log (otherwise read only until it is ready).
  const logFile = process.env.BENCH_SERVER_LOG;
  child.stdout.on('data', (d: Buffer) => {
    if (logFile) appendFileSync(logFile, d);
    if (out.length < 1_000_000) out += d.toString();
  });
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /"url":"([^"]+)"[^\n]*"msg":"metalake ready"/.exec(out);
      if (m?.[1]) {
        clearInterval(poll);
        const url = m[1];
        resolve({
          url,
          child,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
}

export function machine(): Record<string, unknown> {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    at: new Date().toISOString(),
  };
}

export function writeResults(name: string, results: unknown): string {
  const file = join(PROJECT_ROOT, 'bench/results', `${name}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export async function gqlPost(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ data?: unknown; errors?: unknown[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: unknown; errors?: unknown[] };
}

/**
 * One `classify` on `root` that propagates to `downstream` assets: the time until the mutation
 * answers (all assignments committed) and until a websocket subscriber has every event.
 */
export async function measurePropagation(
  url: string,
  viewer: string,
  steward: string,
  root: string,
  downstream: number,
  options: { timeoutMs?: number } = {},
) {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const expected = downstream + 1;
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${viewer}` },
    lazy: false,
    retryAttempts: 0,
  });
  let received = 0;
  let lastAt = 0;
  const done = new Promise<void>((resolve, reject) => {
    ws.subscribe(
      { query: 'subscription { classificationChanged(classifications: ["PII"]) { eventId change propagated asset { qualifiedName } } }' },
      {
        next: () => {
          received++;
          lastAt = performance.now();
          if (received === expected) resolve();
        },
        error: reject,
        complete: () => {},
      },
    );
  });
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  const r = await gqlPost(url, steward, 'mutation($qn: String!) { classify(qualifiedName: $qn, classification: "PII") { added } }', {
    qn: root,
  });
  const committedMs = performance.now() - t0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      done,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${received}/${expected} events after ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await ws.dispose();
  }
  return {
    downstreamAssets: downstream,
    added: (r.data as { classify: { added: number } } | undefined)?.classify.added ?? r.errors,
    committedMs: Math.round(committedMs),
    allEventsDeliveredMs: Math.round(lastAt - t0),
    eventsReceived: received,
  };
}

export function latencyOf(samples: number[]): { p50Ms: number; p95Ms: number; p99Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), p99Ms: round(percentile(sorted, 99)) };
}

/** The median and the spread (min, max) of repeated measurements of one figure. */
export function roundsOf(values: readonly number[], digits = 0): { median: number; min: number; max: number; rounds: number[] } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const r = (n: number) => Number(n.toFixed(digits));
  return { median: r(median), min: r(sorted[0] ?? 0), max: r(sorted.at(-1) ?? 0), rounds: values.map(r) };
}
