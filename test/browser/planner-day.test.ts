import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_planner_day_admin_key_0123456';

interface Level {
  warehouseId: string;
  onHand: number;
}

/**
 * The planner's day in a real browser (issue 17): open a corrective order in
 * the console, assign it to a certified technician, complete it with codes
 * from the model's catalogue and a part from a location that has it, and read
 * the completion's cost. The stock at that location drops by one.
 */
describe.skipIf(!existsSync(CHROMIUM))("planner's day in the web console (Chromium)", () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let station: { id: string };
  let central: { id: string };
  let part: { id: string };
  let toCancel: { id: string };

  const stockAt = async (warehouseId: string) => (await server!.call<{ items: Level[] }>('GET', `/stock?warehouseId=${warehouseId}&partId=${part.id}`)).items[0]?.onHand ?? 0;

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY });
    const post = <T>(path: string, body: unknown) => server!.call<T>('POST', path, body);
    central = await post<{ id: string }>('/warehouses', { code: 'CENTRAL', name: 'Central', level: 'central', location: { lat: 50, lon: 8 } });
    station = await post<{ id: string }>('/warehouses', { code: 'FRA', name: 'Frankfurt station', level: 'station', parentId: central.id, location: { lat: 50.1, lon: 8.7 } });
    const customer = await post<{ id: string }>('/customers', { name: 'Brauerei Nord', currency: 'EUR' });
    const site = await post<{ id: string }>('/sites', { customerId: customer.id, name: 'Brewhouse 2', timezone: 'UTC', location: { lat: 50.3, lon: 8.7 } });
    const model = await post<{ id: string }>('/asset-models', {
      code: 'CP200',
      name: 'Centrifugal pump CP200',
      runningRule: { kind: 'boolean', metric: 'running' },
      maxGapSeconds: 900,
      prediction: { failureModes: [{ pattern: 'seal_*', failureMode: 'seal_leak' }, { pattern: 'bearing_*', failureMode: 'bearing_wear' }] },
    });
    await post('/assets', { serialNumber: 'CP200-0042', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
    for (const c of [
      { kind: 'symptom', code: 'LEAK', description: 'Fluid at the shaft' },
      { kind: 'cause', code: 'SEAL-WEAR', description: 'Mechanical seal worn' },
      { kind: 'remedy', code: 'SEAL-REPLACE', description: 'Seal replaced' },
      { kind: 'remedy', code: 'ADJUST', description: 'Adjusted' },
    ])
      await server.call('PUT', `/asset-models/${model.id}/failure-codes`, c);
    await post('/parts', { partNumber: 'CP-SEAL-7', description: 'Mechanical seal', unitCost: { amountMinor: 45_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    part = (await server.call<{ items: { id: string }[] }>('GET', '/parts?partNumber=CP-SEAL-7')).items[0]!;
    await post('/stock/movements', { warehouseId: station.id, partId: part.id, kind: 'receipt', quantity: 3 });
    await post('/stock/movements', { warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 5 });
    // Round the clock, every day: the walk does not depend on when it runs.
    const calendar = { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, from: '00:00', to: '24:00' })) };
    await post('/technicians', { name: 'Ana Keller', email: 'ana@example.com', home: { lat: 50.1, lon: 8.7 }, serviceRegion: 'Rhein-Main', vanParentWarehouseId: station.id, calendar, certifications: [{ assetModelId: model.id, certification: 'CP-L2' }] });
    // A technician without the model's certification: dispatch refuses him.
    await post('/technicians', { name: 'Ben Roth', email: 'ben@example.com', home: { lat: 50.1, lon: 8.7 }, serviceRegion: 'Rhein-Main', vanParentWarehouseId: station.id, calendar, certifications: [] });
    const asset = (await server.call<{ items: { id: string }[] }>('GET', '/assets')).items[0]!;
    toCancel = await post<{ id: string }>('/work-orders', { kind: 'inspection', assetId: asset.id, description: 'Yearly inspection' });
    browser = await launchChromium();
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('creates, assigns (after a refusal) and completes a corrective order with catalogue codes and a part from a chosen location, and cancels another', async () => {
    await page.goto(`${server!.base}/`);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Work orders', exact: true }).click();
    await page.getByRole('heading', { name: 'Work orders', level: 1 }).waitFor();

    // ------------------------------------------------------------ a new corrective order
    await page.getByText('New work order', { exact: true }).click();
    const form = page.getByRole('form', { name: 'New work order' });
    // An installation on a model without a checklist template: refused, the reason under "Kind".
    await form.getByLabel('Kind').selectOption('installation');
    await form.getByRole('button', { name: 'Open work order' }).click();
    await form.locator('.field-error', { hasText: 'has no installation checklist' }).waitFor();
    expect(await form.getByLabel('Kind').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Kind').selectOption('corrective');
    await form.getByLabel('Asset').selectOption({ label: 'CP200-0042 · Centrifugal pump CP200 · Brewhouse 2' });
    // The failure modes are the asset model's.
    expect(await form.getByLabel('Failure mode').locator('option').allTextContents()).toEqual(['choose a failure mode', 'bearing wear', 'seal leak']);
    await form.getByLabel('Failure mode').selectOption('seal_leak');
    await form.getByLabel('Severity').selectOption('high');
    await form.getByText(/gets the P2 response and fix times/).waitFor();
    await form.getByLabel('Description').fill('Leak at the shaft seal, reported by the brewer');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Open work order' }).click();
    const detail = page.locator('article.panel', { has: page.locator('#wo-h') });
    await page.locator('#wo-h', { hasText: 'corrective' }).waitFor();
    await detail.getByText('Leak at the shaft seal, reported by the brewer').waitFor();
    expect(page.url()).toMatch(/\/work-orders\/[\w-]+$/);

    // ------------------------------------------------------------ assign through dispatch, start
    const assign = page.getByRole('form', { name: 'Assign a technician' });
    await assign.getByLabel('Assign to').selectOption({ label: 'Ben Roth · Rhein-Main' });
    await assign.getByRole('button', { name: 'Assign' }).click();
    await assign.getByRole('alert').filter({ hasText: 'no certification for asset model' }).waitFor();
    await assign.getByLabel('Assign to').selectOption({ label: 'Ana Keller · Rhein-Main' });
    await assign.getByRole('button', { name: 'Assign' }).click();
    await page.locator('#wo-h .badge', { hasText: 'scheduled' }).waitFor();
    await detail.getByRole('link', { name: 'Ana Keller' }).waitFor();
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.locator('#wo-h .badge', { hasText: 'in progress' }).waitFor();

    // ------------------------------------------------------------ complete from the catalogue and a chosen location
    const complete = page.getByRole('form', { name: 'Complete the work order' });
    // The default downtime is a valid range even though the visit window lies ahead.
    const from = Date.parse(`${await complete.getByLabel('Downtime from (UTC)').inputValue()}Z`);
    const to = Date.parse(`${await complete.getByLabel('Downtime to (UTC)').inputValue()}Z`);
    expect(to).toBeGreaterThan(from);
    expect(to).toBeLessThanOrEqual(Date.now());
    expect(await complete.getByLabel('Remedy code').locator('option').allTextContents()).toEqual(['choose a remedy code', 'ADJUST — Adjusted', 'SEAL-REPLACE — Seal replaced']);
    await complete.getByLabel('Symptom code').selectOption('LEAK');
    await complete.getByLabel('Cause code').selectOption('SEAL-WEAR');
    await complete.getByLabel('Remedy code').selectOption('SEAL-REPLACE');
    await complete.getByLabel('Labour hours').fill('1.5');
    await complete.getByLabel('Part consumed (optional)').selectOption({ label: 'CP-SEAL-7 — Mechanical seal' });
    // The locations say what they have of the chosen part.
    await complete.getByLabel('Taken from').selectOption({ label: 'Frankfurt station (FRA) — 3 available' });
    await complete.getByRole('table', { name: 'Stock of CP-SEAL-7 by location' }).getByRole('row').filter({ hasText: 'Central' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await complete.getByRole('button', { name: 'Complete work order' }).click();

    // ------------------------------------------------------------ the completion record and its cost
    await page.getByRole('heading', { name: 'Completion record' }).waitFor();
    const cost = page.getByRole('table', { name: 'Cost of the completion' });
    const row = (name: string) => cost.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) }).getByRole('cell');
    await row('Parts').waitFor();
    expect(await row('Parts').textContent()).toMatch(/€\s?45\.00|45\.00\s?€/);
    await detail.getByText('SEAL-REPLACE — Seal replaced').waitFor();
    const id = page.url().split('/').pop()!;
    const record = await server!.call<{ totalCost: { amountMinor: number }; labourCost: { amountMinor: number }; chargedTo: string }>('GET', `/work-orders/${id}/completion`);
    expect((await row('Total').textContent())!.replace(/[^\d.]/g, '')).toBe((record.totalCost.amountMinor / 100).toFixed(2));
    expect((await row('Labour').textContent())!.replace(/[^\d.]/g, '')).toBe((record.labourCost.amountMinor / 100).toFixed(2));
    expect(await row('Charged to').textContent()).toBe(record.chargedTo.replaceAll('_', ' '));
    // The unit came from the station the planner chose, not from the central store.
    expect(await stockAt(station.id)).toBe(2);
    expect(await stockAt(central.id)).toBe(5);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // ------------------------------------------------------------ a phone
    await page.setViewportSize({ width: 390, height: 844 });
    await cost.waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(-8).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.getAttribute('aria-label') ?? '') + ' ' + (e.textContent ?? '').slice(0, 40))`);
    expect(overflow, String(wide)).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // ------------------------------------------------------------ cancel another order with a reason
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server!.base}/work-orders/${toCancel.id}`);
    await page.locator('#wo-h', { hasText: 'inspection' }).waitFor();
    const cancel = page.getByRole('form', { name: 'Cancel the work order' });
    await cancel.getByLabel('Cancellation reason').fill('Customer moved the inspection to spring');
    await cancel.getByRole('button', { name: 'Cancel order' }).click();
    await page.locator('#wo-h .badge', { hasText: 'cancelled' }).waitFor();
    await page.locator('ol.history li', { hasText: 'Customer moved the inspection to spring' }).waitFor();

    // The only 4xx are the refusals shown above: the installation order (under its field) and Ben's assignment.
    const refused = browser!.problems.filter((p) => /^HTTP 400 POST .*\/api\/v1\/work-orders$/.test(p) || /^HTTP 422 POST .*\/assign$/.test(p));
    expect(refused).toHaveLength(2);
    const rest = browser!.problems.filter((p) => !refused.includes(p));
    expect(rest, rest.join('\n')).toEqual([]);
  }, 180_000);
});
