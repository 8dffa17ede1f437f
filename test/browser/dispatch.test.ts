import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_dispatch_admin_key_0123456789ab';
const H = 3_600_000;

/**
 * The dispatch board in a real browser (issue 18): a technician's row and an
 * unassigned order; suggestions for the order; assigning it moves it into the
 * technician's day with its drive; the board works as card rows at 390 px;
 * no serious axe violations at either width.
 */
describe.skipIf(!existsSync(CHROMIUM))('dispatch board in the web console (Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY });
    const post = <T>(path: string, body: unknown) => server!.call<T>('POST', path, body);
    const central = await post<{ id: string }>('/warehouses', { code: 'CENTRAL', name: 'Central', level: 'central', location: { lat: 50, lon: 8 } });
    const station = await post<{ id: string }>('/warehouses', { code: 'FRA', name: 'Frankfurt station', level: 'station', parentId: central.id, location: { lat: 50.1, lon: 8.7 } });
    const customer = await post<{ id: string }>('/customers', { name: 'Brauerei Nord', currency: 'EUR', value: { annualRevenueMinor: 0, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await post<{ id: string }>('/sites', { customerId: customer.id, name: 'Brewhouse 2', timezone: 'UTC', location: { lat: 50.3, lon: 8.7 } });
    const model = await post<{ id: string }>('/asset-models', { code: 'CP200', name: 'Centrifugal pump CP200', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await post<{ id: string }>('/assets', { serialNumber: 'CP200-0042', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
    // Round the clock, every day: the walk does not depend on when it runs.
    const calendar = { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, from: '00:00', to: '24:00' })) };
    await post('/technicians', { name: 'Ana Keller', email: 'ana@example.com', home: { lat: 50.1, lon: 8.7 }, serviceRegion: 'Rhein-Main', vanParentWarehouseId: station.id, calendar, certifications: [{ assetModelId: model.id, certification: 'CP-L2' }] });
    await post('/work-orders', { kind: 'corrective', assetId: asset.id, failureMode: 'seal_leak', slaDueAt: Date.now() + 48 * H, severity: 'high' });
    browser = await launchChromium();
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('suggests a technician for an unassigned order and assigns it into the day, at 1280 and 390 px', async () => {
    await page.goto(`${server!.base}/`);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dispatch', exact: true }).click();
    await page.getByRole('heading', { name: 'Dispatch board', level: 1 }).waitFor();
    const board = page.getByRole('table', { name: /Jobs per technician and day/ });
    await board.getByRole('rowheader', { name: /Ana Keller/ }).waitFor();
    const unassigned = page.getByRole('table', { name: /Unassigned orders/ });
    const row = unassigned.getByRole('row', { name: /CP200-0042/ });
    await row.getByText('Brauerei Nord, Brewhouse 2').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await row.getByRole('button', { name: 'Suggest technicians' }).click();
    const assign = row.getByRole('form', { name: 'Assign to Ana Keller' });
    await assign.getByText(/min drive · Rhein-Main/).waitFor();
    await assign.getByRole('button', { name: 'Assign Ana Keller' }).click();

    // The order leaves the backlog and sits in Ana's day with the drive from her home base (22 km).
    await page.getByText('Every active order has a technician.').waitFor();
    // A job that runs past midnight (UTC) sits in both days' columns, so the first of them is enough.
    const job = board.getByRole('link', { name: /Centrifugal pump CP200 CP200-0042/ }).first();
    await job.waitFor();
    await board.getByText(/Brauerei Nord, Brewhouse 2 · \d+ min drive \(22 km\)/).first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    // A phone: the board's tables become card rows labelled by their column.
    await page.setViewportSize({ width: 390, height: 844 });
    const cell = board.locator('tbody td').first();
    await cell.waitFor();
    expect(await cell.getAttribute('data-label')).toMatch(/\w/);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
  }, 120_000);
});
