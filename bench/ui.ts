// npm run bench:ui — the web catalog in the same headless Chromium as its tests, against the server
// in its own process (embedded store, the demo estate plus a table with 1,000 downstream tables):
//   - the asset page: time from navigation to its heading, and first contentful paint;
//   - the lineage explorer drawing 1,000 nodes: time from navigation until all are laid out;
//   - frame times while panning that graph;
//   - the JavaScript and CSS the first page ships, gzip.
// Each measure is taken over several rounds in one run (a fresh page each); medians and spread.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { launchBrowser } from '../test/support/browser.js';
import { tempDir } from '../test/support/fixtures.js';
import type * as Browsers from '../scripts/browser.mjs';
import { gqlPost, machine, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const TENANT = 'demo';
const FANOUT = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROOT = 'pg://bench:5432/ui.public.root';
const ASSET = 'snowflake://acme/analytics.raw.customers';
/** BENCH_UI_PROFILE=file.cpuprofile: the page's CPU profile of the first measured lineage draw (open it in Chrome's DevTools). */
const PROFILE = process.env.BENCH_UI_PROFILE;

/** What the in-page functions below use of the browser (this project compiles without the DOM library). */
interface InPage {
  sessionStorage: { setItem(key: string, value: string): void };
  requestAnimationFrame(callback: (now: number) => void): number;
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): Iterable<unknown>;
  };
  getComputedStyle(element: unknown): { visibility: string };
  __seen: Partial<Record<Seen, number>>;
  __frames: number[];
  __recording: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const spread = (xs: number[]) => ({ median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });

async function fanOut(url: string, token: string): Promise<void> {
  const tables = Array.from({ length: FANOUT }, (_, i) => `pg://bench:5432/ui.public.t${i}`);
  const check = (r: { errors?: unknown[] }) => {
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  };
  const upsert = 'mutation($input: [AssetInput!]!) { upsertAssets(input: $input) { created } }';
  check(
    await gqlPost(url, token, upsert, {
      input: [ROOT, ...tables.slice(0, 999)].map((qualifiedName) => ({ qualifiedName, kind: 'TABLE' })),
    }),
  );
  check(await gqlPost(url, token, upsert, { input: tables.slice(999).map((qualifiedName) => ({ qualifiedName, kind: 'TABLE' })) }));
  check(
    await gqlPost(url, token, 'mutation($e: [LineageEdgeInput!]!) { addLineage(edges: $e) { changed } }', {
      e: tables.map((to) => ({ from: ROOT, to })),
    }),
  );
}

/** What the page records of itself (below): when each measured state was first on screen, in ms since navigation. */
type Seen = 'heading' | 'lineage';

/**
 * From before any script of the page runs, checks on every animation frame whether the asset
 * page's heading and the whole lineage graph are on screen, and records the first frame each was:
 * to the frame, where a locator's wait polls at growing intervals (up to half a second) and so
 * would add its own delay to what it measures.
 */
function recordFirstSeen(drawnText: string): void {
  const w = globalThis as unknown as InPage;
  w.__seen = {};
  const checks: Record<Seen, () => boolean> = {
    heading: () => w.document.querySelector('article.asset h1') !== null,
    lineage: () =>
      w.document.querySelector('[data-testid="drawn"]')?.textContent === drawnText &&
      w.document.querySelector('[data-laid-out="true"]') !== null &&
      [...w.document.querySelectorAll('.react-flow__node')].some((n) => w.getComputedStyle(n).visibility !== 'hidden'),
  };
  const tick = () => {
    for (const [name, holds] of Object.entries(checks) as [Seen, () => boolean][])
      if (w.__seen[name] === undefined && holds()) w.__seen[name] = performance.now();
    if (Object.keys(w.__seen).length < 2) w.requestAnimationFrame(tick);
  };
  w.requestAnimationFrame(tick);
}

/** When the page first showed `what` (waits until it has). */
async function firstSeen(page: Page, what: Seen): Promise<number> {
  const handle = await page.waitForFunction((name) => (globalThis as unknown as InPage).__seen[name] ?? false, what, {
    polling: 'raf',
    timeout: 120_000,
  });
  return (await handle.jsonValue()) as number;
}

/** A fresh page already signed in (the token put in sessionStorage before any script runs). */
async function signedIn(browser: Browser, token: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.stack ?? String(e)}\n`));
  await page.addInitScript((t) => (globalThis as unknown as InPage).sessionStorage.setItem('metalake.token', t), token);
  await page.addInitScript(recordFirstSeen, `${FANOUT + 1} drawn`);
  return page;
}

async function assetPage(browser: Browser, origin: string, token: string): Promise<{ headingMs: number; fcpMs: number }> {
  const page = await signedIn(browser, token);
  await page.goto(`${origin}/asset/${encodeURIComponent(ASSET)}`);
  const headingMs = await firstSeen(page, 'heading');
  const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
  await page.close();
  return { headingMs, fcpMs };
}

async function lineage(
  browser: Browser,
  origin: string,
  token: string,
  record = false,
): Promise<{ drawnMs: number; fetchedMs: number; laidOutMs: number; frames: { p50: number; p95: number; max: number; count: number } }> {
  const page = await signedIn(browser, token);
  const profile = record && PROFILE ? await page.context().newCDPSession(page) : null;
  if (profile) {
    await profile.send('Profiler.enable');
    await profile.send('Profiler.setSamplingInterval', { interval: 200 });
    await profile.send('Profiler.start');
  }
  await page.goto(`${origin}/lineage/${encodeURIComponent(ROOT)}?first=${FANOUT}`);
  await page
    .getByTestId('drawn')
    .filter({ hasText: `${FANOUT + 1} drawn` })
    .waitFor({ timeout: 120_000 })
    .catch(async (error: unknown) => {
      await page.screenshot({ path: join(tmpdir(), 'metalake-bench-ui-failure.png') });
      const drawn = await page
        .getByTestId('drawn')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      const alerts = await page.getByRole('alert').allTextContents();
      throw new Error(`the explorer did not draw ${FANOUT + 1} nodes (it says "${drawn}"; ${alerts.join('; ') || String(error)})`);
    });
  await page.locator('[data-laid-out="true"]').waitFor({ timeout: 120_000 });
  const drawnMs = await firstSeen(page, 'lineage');
  // Where the time went, by the page's own marks (navigation start is 0).
  const marks = await page.evaluate(() =>
    Object.fromEntries(
      ['lineage:fetched', 'lineage:laid-out'].map((m) => [m, performance.getEntriesByName(m)[0]?.startTime ?? Number.NaN]),
    ),
  );
  if (profile) {
    const { profile: cpu } = (await profile.send('Profiler.stop')) as { profile: unknown };
    writeFileSync(PROFILE!, JSON.stringify(cpu));
    process.stdout.write(`wrote the CPU profile of one lineage draw to ${PROFILE}\n`);
  }
  // Pan for two seconds while the page records the time between animation frames.
  await page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__recording) w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
  const box = (await page.getByTestId('lineage-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 0; i < 120; i++) {
    await page.mouse.move(box.x + box.width / 2 + Math.sin(i / 10) * 300, box.y + box.height / 2 + Math.cos(i / 10) * 200);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    w.__recording = false;
    return w.__frames.slice(1);
  });
  await page.close();
  const sorted = [...frames].sort((a, b) => a - b);
  const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN) * 10) / 10;
  return {
    drawnMs,
    fetchedMs: marks['lineage:fetched'] ?? Number.NaN,
    laidOutMs: marks['lineage:laid-out'] ?? Number.NaN,
    frames: { p50: at(0.5), p95: at(0.95), max: Math.round((sorted.at(-1) ?? Number.NaN) * 10) / 10, count: frames.length },
  };
}

/** What the first page loads: index.html's scripts, module preloads and styles, gzip. */
function firstPageBytes(): { files: Record<string, number>; totalGzip: number } {
  const root = join(PROJECT_ROOT, 'dist', 'catalog');
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const files = Object.fromEntries(refs.map((r) => [r, gzipSync(readFileSync(join(root, r))).length]));
  return { files, totalGzip: Object.values(files).reduce((a, b) => a + b, 0) };
}

async function main() {
  const { ensureChromium } = (await import(pathToFileURL(join(PROJECT_ROOT, 'scripts', 'browser.mjs')).href)) as typeof Browsers;
  const chromiumPath = ensureChromium();
  if (chromiumPath.error !== undefined) throw new Error(chromiumPath.error);
  const dir = tempDir('metalake-bench-ui-');
  const server = await startServerProcess({ DATA_DIR: dir.path, JWT_SECRET: SECRET, DEMO_DATA: 'true' });
  const browser = await launchBrowser(chromiumPath.path);
  try {
    const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
    const admin = await mintDevToken(jwt, { tenant: TENANT, roles: ['admin'] });
    const viewer = await mintDevToken(jwt, { tenant: TENANT, roles: ['viewer'] });
    await fanOut(server.url, admin);
    const origin = new URL('/', server.url).href.replace(/\/$/, '');
    // Warm-up: the server's caches and the browser's (as a returning user's).
    await assetPage(browser, origin, viewer);
    await lineage(browser, origin, viewer);
    const asset: { headingMs: number; fcpMs: number }[] = [];
    const graph: Awaited<ReturnType<typeof lineage>>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      asset.push(await assetPage(browser, origin, viewer));
      graph.push(await lineage(browser, origin, viewer, round === 0));
      process.stdout.write(
        `round ${round + 1}: asset ${Math.round(asset.at(-1)!.headingMs)} ms, lineage of ${FANOUT + 1} nodes ${Math.round(graph.at(-1)!.drawnMs)} ms (fetched ${Math.round(graph.at(-1)!.fetchedMs)}, laid out ${Math.round(graph.at(-1)!.laidOutMs)}), frames p95 ${graph.at(-1)!.frames.p95} ms\n`,
      );
    }
    const bytes = firstPageBytes();
    const results = {
      machine: { ...machine(), chromium: browser.version() },
      rounds: ROUNDS,
      assetPage: { headingMs: spread(asset.map((a) => a.headingMs)), firstContentfulPaintMs: spread(asset.map((a) => a.fcpMs)) },
      lineage: {
        nodes: FANOUT + 1,
        drawnMs: spread(graph.map((g) => g.drawnMs)),
        // From navigation: the root and its first hop fetched, then laid out; drawn is when all is on screen.
        fetchedMs: spread(graph.map((g) => g.fetchedMs)),
        laidOutMs: spread(graph.map((g) => g.laidOutMs)),
        panFrameMs: {
          p50: median(graph.map((g) => g.frames.p50)),
          p95: median(graph.map((g) => g.frames.p95)),
          max: Math.max(...graph.map((g) => g.frames.max)),
        },
      },
      firstPage: { gzipBytes: bytes.totalGzip, files: bytes.files },
      aims: { lineageDrawnMs: 1000, firstPageGzipBytes: 300 * 1024 },
    };
    const file = writeResults('ui', results);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\nwrote ${file}\n`);
  } finally {
    await browser.close();
    await server.stop();
    dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
