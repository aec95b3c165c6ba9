// @browser
// The web catalog in a real headless Chromium against a real server: sign in, search, an asset,
// the lineage explorer (expand, column level, live propagation), steward actions by role,
// expiry, the development one-click sign-in, and an accessibility check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { mintDevToken } from '../../src/auth/tokens.js';
import { seedDemo } from '../../src/demo/estate.js';
import { launchBrowser, openPage, screenshot, seriousViolations } from '../support/browser.js';
import { uniqueTenant, until } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

const RAW_CUSTOMERS = 'snowflake://acme/analytics.raw.customers';
const STG_CUSTOMERS = 'snowflake://acme/analytics.staging.stg_customers';
const origin = (server: TestServer) => new URL('/', server.url).href.replace(/\/$/, '');

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('who').waitFor();
}

describe('the web catalog', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: string;
  before(async () => {
    server = await startTestServer({ JWT_CLOCK_TOLERANCE_SECONDS: '0' });
    browser = await launchBrowser();
    tenant = uniqueTenant('web');
    assert.equal(await seedDemo(server.app.services, tenant), true);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the catalog at / and falls back to it for its own paths, never for the API', async () => {
    for (const path of ['/', `/asset/${encodeURIComponent(RAW_CUSTOMERS)}`, '/incidents']) {
      const response = await fetch(`${origin(server)}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(await response.text(), /<div id="root">/);
      assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    }
    assert.equal((await fetch(`${origin(server)}/graphiql`)).status, 200);
    assert.equal((await fetch(`${origin(server)}/api/v1/nothing`)).status, 404, 'API paths do not fall back to the page');
    assert.deepEqual(
      await (await fetch(`${origin(server)}/api/v1/dev-tokens`)).json(),
      { available: false },
      'no development tokens with a real secret',
    );
  });

  it('signs in with a pasted token, searches as you type with facets, and opens an asset', async () => {
    const { page, errors } = await openPage(browser, origin(server));
    await signIn(page, await server.token(tenant, 'viewer'));
    await page.getByLabel('Search assets').fill('cust');
    await page.getByRole('link', { name: 'customers', exact: true }).waitFor();
    assert.match((await page.getByTestId('total').textContent()) ?? '', /\d+ assets/);
    assert.ok((await page.locator('.hits mark').count()) > 0, 'matches are highlighted');
    await screenshot(page, 'search');
    // A facet narrows the hits: only tables.
    await page.getByRole('button', { name: /^TABLE \d+$/ }).click();
    await until(
      'the kind facet to apply',
      async () => (await page.locator('.hits .kind').allTextContents()).every((k) => k === 'TABLE'),
      10_000,
    );
    await page.getByRole('link', { name: 'customers', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /customers/ }).waitFor();
    assert.match((await page.locator('article.asset').textContent()) ?? '', /GDPR/);
    assert.ok((await page.getByRole('cell', { name: 'email' }).count()) > 0, 'its columns are listed');
    await screenshot(page, 'asset');
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('expands lineage node by node with "+N" counts, and switches to column level', async () => {
    const { page, errors } = await openPage(browser, `${origin(server)}/lineage/${encodeURIComponent(RAW_CUSTOMERS)}`);
    await signIn(page, await server.token(tenant, 'viewer'));
    const nodes = page.getByTestId('lineage-node');
    await until('the first hop to be drawn', async () => (await nodes.count()) === 2, 15_000);
    // stg_customers has one downstream asset not drawn yet.
    const more = page.getByRole('button', { name: /Show 1 more downstream of stg_customers/ });
    await more.click();
    await until('the next hop to be drawn', async () => (await nodes.count()) === 3, 15_000);
    assert.equal(await more.count(), 0, 'nothing left to show there');
    await page.getByRole('button', { name: /Collapse downstream of stg_customers/ }).click();
    await until('the hop to be collapsed', async () => (await nodes.count()) === 2, 15_000);
    await page.getByLabel('Column level').check();
    await until('columns to be drawn inside their tables', async () => (await page.getByTestId('lineage-column').count()) > 3, 15_000);
    await until(
      'column edges to be drawn between the columns',
      async () => (await page.locator('.react-flow__edge.column-edge').count()) > 0,
      15_000,
    );
    await screenshot(page, 'lineage');
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a propagated classification appear live after another client classifies upstream', async () => {
    const t = uniqueTenant('live');
    await seedDemo(server.app.services, t);
    const { page, errors } = await openPage(browser, `${origin(server)}/lineage/${encodeURIComponent(RAW_CUSTOMERS)}`);
    await signIn(page, await server.token(t, 'viewer'));
    const downstream = page.locator(`[data-qn="${STG_CUSTOMERS}"]`);
    await downstream.waitFor();
    assert.doesNotMatch((await downstream.textContent()) ?? '', /RESTRICTED/);
    // The subscriptions are attached before the change is made (the barrier, not a sleep).
    await server.subscribed(t, 3);
    const steward = server.http(await server.token(t, 'steward'));
    assert.equal((await steward.request('mutation { defineClassification(input: { name: "RESTRICTED" }) { name } }')).errors, undefined);
    assert.equal(
      (await steward.request(`mutation { classify(qualifiedName: "${RAW_CUSTOMERS}", classification: "RESTRICTED") { added } }`)).errors,
      undefined,
    );
    await until(
      'the propagated tag to appear without a reload',
      async () => (await downstream.locator('.tag.propagated', { hasText: 'RESTRICTED' }).count()) === 1,
      15_000,
    );
    assert.equal(
      await page.locator(`[data-qn="${RAW_CUSTOMERS}"] .tag:not(.propagated)`, { hasText: 'RESTRICTED' }).count(),
      1,
      'direct on the source',
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('offers steward actions to a steward only, and shows what the server answers', async () => {
    const asset = `${origin(server)}/asset/${encodeURIComponent(STG_CUSTOMERS)}`;
    const viewer = await openPage(browser, asset);
    await signIn(viewer.page, await server.token(tenant, 'viewer'));
    await viewer.page.getByRole('heading', { level: 1, name: /stg_customers/ }).waitFor();
    assert.equal(await viewer.page.getByRole('group', { name: 'Steward actions' }).count(), 0, 'a viewer sees no steward actions');
    await viewer.page.close();

    const { page, errors } = await openPage(browser, asset);
    await signIn(page, await server.token(tenant, 'steward'));
    const actions = page.getByRole('group', { name: 'Steward actions' });
    await actions.waitFor();
    await actions.getByLabel('Classification').selectOption('PII');
    await actions.getByRole('button', { name: 'Classify', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /classify: \d+ added/ })
      .waitFor();
    await until(
      'the direct assignment to show',
      async () =>
        (await page
          .getByTestId('assignment')
          .filter({ hasText: /PII\s+direct/ })
          .count()) === 1,
      10_000,
    );
    // And back: the same mutation the API offers, its answer shown.
    await actions.getByRole('button', { name: 'Declassify' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /declassify: 0 added, \d+ removed/ })
      .waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("refuses a bad token at sign-in with the server's message", async () => {
    const { page } = await openPage(browser, origin(server));
    await page.getByLabel('Bearer token').fill('not.a.token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /Signed out: .*token/i })
      .waitFor();
    assert.equal(await page.getByTestId('who').count(), 0);
    await page.close();
  });

  it('signs out with a clear message when the token expires', async () => {
    const shortLived = await mintDevToken(server.app.config.jwt, { tenant, roles: ['viewer'], ttlSeconds: 4 });
    const { page } = await openPage(browser, `${origin(server)}/lineage/${encodeURIComponent(RAW_CUSTOMERS)}`);
    await signIn(page, shortLived);
    await page.getByTestId('lineage-node').first().waitFor();
    // The live connection is closed with 4403 at expiry; the catalog goes back to sign-in.
    await page
      .getByRole('alert')
      .filter({ hasText: /Signed out/ })
      .waitFor({ timeout: 20_000 });
    assert.equal(await page.getByLabel('Bearer token').count(), 1);
    await page.close();
  });
});

describe('the web catalog in development', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    // No JWT_SECRET: the development secret, as `npm start` runs.
    server = await startTestServer({ JWT_SECRET: '' });
    browser = await launchBrowser();
    await seedDemo(server.app.services, 'demo');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in with one click as the demo viewer, the token never in a URL', async () => {
    const { page, errors } = await openPage(browser, origin(server));
    await screenshot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in as the demo viewer' }).click();
    await page.getByTestId('who').filter({ hasText: 'demo' }).waitFor();
    assert.match((await page.getByTestId('who').textContent()) ?? '', /viewer/);
    assert.doesNotMatch(page.url(), /eyJ/);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
