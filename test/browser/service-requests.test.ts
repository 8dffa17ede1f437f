import { existsSync } from 'node:fs';
import { waitFor } from '@hourmeter/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_requests_admin_key_0123456789';

/**
 * The planner's Service requests view in a real browser against the real
 * process (issue 18): a phone call is taken and triaged into a work order
 * that carries the customer class's SLA (shown with its time left in the
 * queue), a complaint with its cause is rejected with a reason, and the view
 * fits a 390 px phone with card rows and no serious axe-core violation.
 */
describe.skipIf(!existsSync(CHROMIUM))('service requests in the web console (Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let serial = '';

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY });
    const call = server.call.bind(server);
    // A small new customer without revenue scores below 35 on the value index: class C (docs/field-service.md).
    const value = { size: 'small' };
    const customer = await call<{ id: string }>('POST', '/customers', { name: 'Brauerei Nord', currency: 'EUR', value });
    const site = await call<{ id: string }>('POST', '/sites', { customerId: customer.id, name: 'Brewhouse', timezone: 'UTC' });
    const model = await call<{ id: string }>('POST', '/asset-models', { code: 'CH-90', name: 'Chiller', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    serial = 'CH-90-0001';
    await call('POST', '/assets', { serialNumber: serial, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', warrantyEndsOn: '2030-01-01', status: 'active' });
    await call('PUT', '/sla-entitlements', { customerClass: 'C', priority: 'P2', responseMinutes: 240, fixMinutes: 1440 });
    browser = await launchChromium();
    page = browser.page;
    await page.goto(`${server.base}/`);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('takes a call, triages it into an order with its SLA, and rejects a complaint with a reason', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Service requests' }).click();
    await page.getByRole('heading', { name: 'Service requests', level: 1 }).waitFor();
    const intake = page.getByRole('form', { name: 'Record a request' });
    await intake.getByLabel('Asset').selectOption({ label: `${serial} (CH-90) — Brauerei Nord` });
    await intake.getByLabel('Symptom').fill('Compressor trips every hour');
    await intake.getByLabel('Contact').fill('Mia Berg, +49 40 1234');
    await intake.getByLabel('Channel').selectOption('phone');
    await intake.getByRole('button', { name: 'Record request' }).click();

    const detail = page.getByRole('article', { name: /Service request/ });
    await detail.getByText('Compressor trips every hour').waitFor();
    const triage = page.getByRole('form', { name: 'Create a work order' });
    await triage.getByLabel('Severity').selectOption('high');
    await triage.getByRole('button', { name: 'Create work order' }).click();

    // The order opens in Work orders with the class C P2 promise: a 4-hour response still to come.
    await page.getByRole('heading', { name: 'Work orders', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(serial) });
    await expect.poll(() => row.locator('td[data-label="SLA"]').innerText(), { timeout: 15_000 }).toMatch(/^On track P2 response due in (3 h 5\d|4 h 00) min$/);
    const sla = page.getByRole('region', { name: 'SLA' });
    await sla.getByText('customer class C').waitFor();

    // A complaint about that order, then rejected with its reason.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Service requests' }).click();
    // The request now says where it went.
    await page.getByRole('row', { name: /Compressor trips every hour/ }).getByText('work order', { exact: true }).waitFor();
    const workOrder = (await server!.call<{ items: { id: string }[] }>('GET', '/work-orders?state=open')).items[0]!.id;
    await intake.getByLabel('Type').selectOption('complaint');
    await intake.getByLabel('Asset').selectOption({ label: `${serial} (CH-90) — Brauerei Nord` });
    await intake.getByLabel('Symptom').fill('Nobody called back');
    await intake.getByLabel('Contact').fill('Mia Berg');
    await intake.getByLabel('Channel').selectOption('e-mail');
    await intake.getByLabel('Cause').selectOption('work_order');
    await intake.getByLabel('Work order id').fill(workOrder);
    await intake.getByRole('button', { name: 'Record request' }).click();
    const complaint = page.getByRole('article', { name: /Complaint/ });
    await complaint.getByRole('link', { name: new RegExp(`work order on ${serial}`) }).waitFor();
    const reject = page.getByRole('form', { name: 'Reject' });
    await reject.getByLabel('Reason').fill('Callback was made on the same day');
    await reject.getByRole('button', { name: 'Reject' }).click();
    await complaint.getByText(/Callback was made on the same day/).waitFor();

    await page.getByRole('form', { name: 'Filter requests' }).getByLabel('Type').selectOption('complaint');
    await waitFor('only the complaint listed', async () => (await page.locator('main tbody tr').count()) === 1);
    expect(await page.locator('main tbody tr').first().locator('td[data-label="State"]').innerText()).toBe('rejected');
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
  }, 120_000);

  it('fits a 390 px phone with card rows and has no serious axe-core violation', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Service requests' }).click();
    await page.getByRole('heading', { name: 'Service requests', level: 1 }).waitFor();
    await page.getByRole('form', { name: 'Filter requests' }).getByLabel('Type').selectOption('');
    await waitFor('both requests listed', async () => (await page.locator('main tbody tr').count()) === 2);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const card = page.locator('main tbody tr').first();
    await expect.poll(() => card.locator('td').nth(2).getAttribute('data-label')).toBe('Asset');
    // A tap on the card opens the request.
    await card.locator('td[data-label="Channel"]').click();
    await page.getByRole('article', { name: /Complaint|Service request/ }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
  }, 120_000);
});
