import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_fleet_admin_key_0123456789';
const ADMIN_EMAIL = 'admin@fleet.test';
const ADMIN_PASSWORD = 'browser-fleet-admin-password';
const ASSETS = 1000;
const IDLE_MS = 20_000;
const VIEWS = ['/', '/map', '/alerts', '/work-orders', '/service-requests', '/hazards', '/reliability', '/parts', '/contracts', '/reports', '/integrations', '/users'];

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`fleet browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Runs `fn` over `items`, `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** The view at `path`, loaded: its heading shown and nothing loading any more. */
async function openView(page: Page, path: string): Promise<void> {
  // In-app navigation (the router listens to popstate), as a click on a link would do.
  await page.evaluate(`history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`);
  await page.locator('main h1').first().waitFor();
  await expect.poll(() => page.locator('main', { hasText: 'Loading…' }).count(), { timeout: 30_000 }).toBe(0);
}

/**
 * The Fleet view at scale in Debian chromium (issue #17 items 4-6): 1,000
 * assets seeded through the API into a real server, the idle request rate
 * counted, axe-core on every main view, and the phone width.
 */
describe.skipIf(!hasChromium)('the console at fleet scale', () => {
  let server: RunningServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let firstAssetId = '';

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY, HM_ADMIN_EMAIL: ADMIN_EMAIL, HM_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const customers = await Promise.all(['Nordic Dairy', 'Fjord Water'].map((name) => server.call<{ id: string }>('POST', '/customers', { name, currency: 'EUR' })));
    const sites = await Promise.all(
      ['Bergen', 'Oslo', 'Trondheim', 'Stavanger'].map((name, i) => server.call<{ id: string }>('POST', '/sites', { customerId: customers[i % 2]!.id, name: `${name} plant`, timezone: 'Europe/Oslo' })),
    );
    const models = await Promise.all(
      ['CP200', 'CP400'].map((code) =>
        server.call<{ id: string }>('POST', '/asset-models', { code, name: `Centrifugal pump ${code}`, runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 }),
      ),
    );
    const serials = Array.from({ length: ASSETS }, (_, i) => `FLT-${String(i + 1).padStart(5, '0')}`);
    const ids: string[] = [];
    await inParallel(serials, 8, async (serialNumber) => {
      const i = Number(serialNumber.slice(4));
      const a = await server.call<{ id: string }>('POST', '/assets', { serialNumber, assetModelId: models[i % 2]!.id, siteId: sites[i % 4]!.id, commissionedOn: '2026-01-01' });
      ids.push(a.id);
    });
    // Some assets have a device (never connected), so the Device column has all three states.
    await inParallel(ids.slice(0, 50), 8, (assetId) => server.call('POST', '/devices', { assetId, name: 'gateway' }));
    firstAssetId = ids[0]!;
    browser = await launchChromium();
    page = browser.page;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('keeps an idle Fleet view of 1,000 assets at or under one request a second', async () => {
    await page.goto(server.base);
    await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    // The admin's home is the Fleet: let that first visit settle before counting a fresh one.
    await page.locator('.kpis', { hasText: '1,000 assets' }).waitFor({ timeout: 60_000 });
    // A fresh page load of the Fleet view: what it asks the API for (the session check and the live stream aside).
    const loading: string[] = [];
    const countLoad = (r: { url(): string }) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/') && path !== '/api/v1/me' && path !== '/api/v1/events') loading.push(path);
    };
    page.on('request', countLoad);
    await page.goto(`${server.base}/`);
    await openView(page, '/');
    await page.locator('.kpis', { hasText: '1,000 assets' }).waitFor({ timeout: 60_000 });
    await page.locator('.live-sse').waitFor({ timeout: 30_000 });
    page.off('request', countLoad);
    console.log(`fleet load: ${loading.length} requests for ${ASSETS} assets ${JSON.stringify(loading)}`);
    // The same handful for 6 assets or 10,000: the summary page and the filter choices.
    expect(loading.filter((p) => p.includes('/fleet/summary'))).toHaveLength(1);
    expect(loading.length).toBeLessThanOrEqual(4);
    // One page of rows, not the whole fleet.
    expect(await page.locator('main tbody tr').count()).toBe(100);
    await page.locator('.live-sse').waitFor({ timeout: 30_000 });

    const requests: string[] = [];
    const count = (r: { url(): string }) => requests.push(r.url());
    page.on('request', count);
    await page.waitForTimeout(IDLE_MS);
    page.off('request', count);
    const perSecond = requests.length / (IDLE_MS / 1000);
    console.log(`fleet budget: ${requests.length} requests in ${IDLE_MS / 1000} s idle with ${ASSETS} assets (${perSecond.toFixed(2)}/s) ${JSON.stringify(requests)}`);
    expect(perSecond).toBeLessThanOrEqual(1);

    // Paging asks for the next page, sorted on the server.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('101–200 of 1,000').waitFor();
    await page.getByLabel('Group by site').uncheck();
    await page.getByRole('button', { name: /^Asset/ }).first().click();
    await page.getByText('1–100 of 1,000').waitFor();
    await expect.poll(() => page.locator('main tbody tr th').first().textContent()).toBe('FLT-00001');
    expect(browser.problems).toEqual([]);
  }, 120_000);

  it('shows times in the zone the person picks, UTC by default, and remembers it', async () => {
    await openView(page, '/users');
    const lastSignIn = page.getByRole('row').filter({ hasText: ADMIN_EMAIL }).locator('td', { hasText: /\d{1,2}:\d{2}/ }).first();
    await expect.poll(() => lastSignIn.textContent()).toMatch(/UTC$/);
    const utc = (await lastSignIn.textContent())!;
    await page.getByLabel('Time zone').selectOption('Europe/Oslo');
    // December: Oslo is an hour ahead, and says so.
    await expect.poll(() => lastSignIn.textContent()).toMatch(/GMT\+1$/);
    const hour = (t: string) => Number(/(\d{1,2}):\d{2}/.exec(t)![1]);
    expect((hour(utc) + 1) % 12).toBe(hour((await lastSignIn.textContent())!) % 12);
    await page.reload();
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('Europe/Oslo');
    await page.getByLabel('Time zone').selectOption('UTC');
    expect(browser.problems).toEqual([]);
  }, 60_000);

  it('has no serious or critical axe-core violations on any main view', async () => {
    const found: Record<string, string[]> = {};
    for (const path of [...VIEWS, `/assets/${firstAssetId}`]) {
      await openView(page, path);
      const v = await seriousAxeViolations(page);
      if (v.length) found[path] = v;
    }
    expect(found).toEqual({});
    expect(browser.problems).toEqual([]);
  }, 120_000);

  it('fits a 390 px phone with card rows, and a tapped card opens its detail', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflowing: Record<string, number> = {};
    for (const path of [...VIEWS, `/assets/${firstAssetId}`]) {
      await openView(page, path);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      if (width > 390) overflowing[path] = width;
    }
    expect(overflowing).toEqual({});

    await openView(page, '/');
    const card = page.locator('main tbody tr').first();
    const serial = (await card.locator('th').first().textContent())!;
    // The card shows each value with its column's name, and a tap anywhere on it opens the asset.
    await expect.poll(() => card.locator('td').first().getAttribute('data-label')).toBe('Model');
    await card.locator('td[data-label="Customer"]').click();
    await page.getByRole('heading', { name: new RegExp(serial) }).waitFor();
    expect(browser.problems).toEqual([]);
  }, 120_000);
});
