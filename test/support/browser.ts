// A real headless Chromium (Debian's, installed by scripts/browser.mjs; the runner passes its path
// to files that declare `// @browser`), driven by playwright-core. No DOM emulation.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/paths.js';

/** The flags this machine's closed network needs (background fetches to Google's hosts are refused). */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium headless: by default the one the runner passes to files that declare `// @browser`. */
export async function launchBrowser(executablePath = process.env.CHROMIUM_PATH): Promise<Browser> {
  if (!executablePath)
    throw new Error('CHROMIUM_PATH is not set: declare `// @browser` in the test file (the runner installs Chromium and passes it)');
  return chromium.launch({ executablePath, args: FLAGS });
}

/** A page that fails the test on any uncaught error or console error it meets. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  // bypassCSP: only so that axe-core can be injected; the policy itself is checked over HTTP.
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // Runs in the page, where there is a DOM.
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: Document,
            options: unknown,
          ): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    return axe.run((globalThis as unknown as { document: Document }).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}

/** With SCREENSHOTS=1 (npm run screenshots), the browser tests write the README's pictures. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return;
  const dir = join(PROJECT_ROOT, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
