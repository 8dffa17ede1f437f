import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_site_map_admin_key_0123456789';

/**
 * The site map (issue #17 item 7) in Debian chromium on a real server: sites
 * placed from their coordinates on the base map shipped in world-atlas,
 * coloured by their assets' status, each a link to that site's fleet.
 */
describe.skipIf(!existsSync(CHROMIUM))('the site map (Chromium)', () => {
  let server: RunningServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY });
    const customer = await server.call<{ id: string }>('POST', '/customers', { name: 'Alpine Breweries', currency: 'EUR' });
    const site = (name: string, location?: { lat: number; lon: number }) =>
      server.call<{ id: string }>('POST', '/sites', { customerId: customer.id, name, timezone: 'Europe/Zurich', ...(location ? { location } : {}) });
    ids.zurich = (await site('Zurich brewhouse', { lat: 47.37, lon: 8.54 })).id;
    ids.geneva = (await site('Geneva cellar', { lat: 46.2, lon: 6.14 })).id;
    ids.planned = (await site('Basel (planned)')).id;
    const model = await server.call<{ id: string }>('POST', '/asset-models', { code: 'KEG-1', name: 'Keg washer', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = (serialNumber: string, siteId: string) => server.call<{ id: string }>('POST', '/assets', { serialNumber, assetModelId: model.id, siteId, commissionedOn: '2026-01-01' });
    const zurich = await asset('KEG-001', ids.zurich);
    await asset('KEG-002', ids.zurich);
    await asset('KEG-003', ids.geneva);
    // A provisioned device that has not connected: Zurich must show as offline, Geneva (no device) as well.
    await server.call('POST', '/devices', { assetId: zurich.id, name: 'gw-zurich' });
    browser = await launchChromium();
    page = browser.page;
    await page.goto(`${server.base}/`);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('places located sites on the base map with their status, lists the rest, and opens a site’s fleet', async () => {
    await page.getByRole('link', { name: 'Map', exact: true }).click();
    await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor();
    const map = page.getByRole('group', { name: 'Map of 2 located sites' });
    await map.waitFor();
    // The base map is drawn from the package, not fetched from a tile server.
    await expect.poll(async () => ((await map.locator('path.land').first().getAttribute('d', { timeout: 20_000 })) ?? '').length, { timeout: 20_000 }).toBeGreaterThan(2_000);
    const zurich = map.getByRole('link', { name: /^Zurich brewhouse \(Alpine Breweries\): 2 assets, 0 online, 1 offline$/ });
    await zurich.waitFor();
    expect(await map.getByRole('link', { name: /^Geneva cellar .*1 assets/ }).locator('circle').getAttribute('class')).toMatch(/marker-ok/);
    expect(await zurich.locator('circle').getAttribute('class')).toMatch(/marker-offline/);
    // Zurich lies east and north of Geneva: the projection keeps the geography.
    const box = async (name: RegExp) => (await map.getByRole('link', { name }).locator('circle').boundingBox())!;
    const [z, g] = [await box(/^Zurich/), await box(/^Geneva/)];
    expect(z.x).toBeGreaterThan(g.x);
    expect(z.y).toBeLessThan(g.y);
    // The site without coordinates is in the table, not on the map.
    await page.getByText('1 site has no coordinates').waitFor();
    const table = page.getByRole('table', { name: 'Sites and the status of their assets' });
    await table.getByRole('row', { name: /Basel \(planned\).*no assets/ }).waitFor();

    await zurich.click();
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Site', { exact: true }).inputValue()).toBe(ids.zurich);
    await expect.poll(() => page.locator('main tbody th').allTextContents()).toEqual(['KEG-001', 'KEG-002']);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(browser.problems, browser.problems.join('\n')).toEqual([]);
  }, 90_000);

  it('has no serious axe violations and fits a phone', async () => {
    await page.goto(`${server.base}/map`);
    await page.getByRole('group', { name: 'Map of 2 located sites' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(browser.problems, browser.problems.join('\n')).toEqual([]);
  }, 60_000);
});
