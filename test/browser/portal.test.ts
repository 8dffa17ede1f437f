import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPortalCustomers, type PortalCustomer } from '../../services/server/src/testing/portal-customers.js';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_portal_admin_key_0123456789abcd';

/**
 * The customer portal in a real browser (issue #19): a customer admin signs
 * in with e-mail and password, sees their own fleet, work orders, alerts
 * and invoices, downloads an invoice PDF, and finds nothing of another
 * customer (that customer's asset URL is the not-found view). No staff view
 * is requested, so the page makes no 4xx at all; the customer raises a
 * service request and a complaint about their invoice and sees both listed; axe finds nothing serious,
 * and at 390 px the tables are card rows without horizontal overflow.
 */
describe.skipIf(!existsSync(CHROMIUM))('customer portal (Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let mine: PortalCustomer;
  let theirs: PortalCustomer;

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY });
    const seeded = await seedPortalCustomers((method, path, body) => server!.call(method, path, body), [
      { name: 'Bramble Foods GmbH', tag: 'BRAM' },
      { name: 'Aardvark Quarries Ltd', tag: 'AARD' },
    ]);
    mine = seeded[0]!;
    theirs = seeded[1]!;
    browser = await launchChromium();
    page = browser.page;
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  /** Nothing of the other customer anywhere on the page. */
  async function expectNothingOfTheirs(): Promise<void> {
    const text = await page.locator('body').innerText();
    for (const m of [theirs.name, theirs.serialNumber, theirs.siteName, theirs.invoiceNumber, theirs.assetId, 'Aardvark']) expect(text, `page shows "${m}"`).not.toContain(m);
  }

  it('signs in, shows only the own fleet, downloads an invoice PDF and finds nothing of another customer', async () => {
    await page.goto(`${server!.base}/`);
    await page.getByLabel('E-mail').fill(mine.email);
    await page.getByLabel('Password').fill(mine.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await page.getByRole('heading', { name: `My fleet · ${mine.name}` }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['My fleet', 'Work orders', 'Alerts', 'Invoices', 'Service requests', 'Users']);
    const site = page.getByRole('region', { name: `Site ${mine.siteName}` });
    await site.getByRole('link', { name: mine.serialNumber }).waitFor();
    // Availability this month against the 98 % guarantee (or, before any hour is scheduled, "no data").
    await site.getByText(/of 98(\.0)? % guaranteed|no data yet/).waitFor();
    await expectNothingOfTheirs();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await nav.getByRole('link', { name: 'Work orders' }).click();
    await page.getByText('BRAM bearing noise reported').waitFor();
    await expectNothingOfTheirs();

    await nav.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.getByText(/^No open alerts/).waitFor();

    await nav.getByRole('link', { name: 'Invoices' }).click();
    const pdfButton = page.getByRole('button', { name: `Invoice ${mine.invoiceNumber} PDF` });
    await pdfButton.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), pdfButton.click()]);
    expect(download.suggestedFilename()).toBe(`${mine.invoiceNumber}.pdf`);
    const file = await download.path();
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    await page.getByRole('button', { name: /^Credit note .* PDF/ }).waitFor();
    await expectNothingOfTheirs();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await nav.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('cell', { name: mine.email }).waitFor();
    await expectNothingOfTheirs();

    // Another customer's asset, typed into the address bar: the not-found view, with nothing of it.
    await page.goto(`${server!.base}/assets/${theirs.assetId}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expectNothingOfTheirs();
    // That lookup is the one 4xx this walk causes on purpose: the portal's own 404 for an id that is not the customer's.
    const expected = `HTTP 404 GET ${server!.base}/api/v1/portal/assets/${theirs.assetId}`;
    expect(browser!.problems.filter((p) => p !== expected), browser!.problems.join('\n')).toEqual([]);
    // And no staff route was ever asked for (no 403 anywhere, no live stream).
    expect(browser!.problems.some((p) => p.includes(' 403 '))).toBe(false);
  }, 120_000);

  it('raises a service request and a complaint about an own invoice, and lists them; staff see them as portal requests', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Service requests' }).click();
    await page.getByRole('heading', { name: 'Service requests', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Raise a service request or complaint' });
    // The contact starts as the signed-in person.
    expect(await form.getByLabel('Contact').inputValue()).toBe('BRAM Admin');
    await form.getByLabel('Asset').selectOption({ label: `${mine.serialNumber} · Screw compressor · ${mine.siteName}` });
    await form.getByLabel('Symptom').fill('Discharge temperature alarm every afternoon');
    await form.getByLabel('Contact').fill('BRAM Admin, +49 30 1234 567');
    await form.getByRole('button', { name: 'Send request' }).click();
    const list = page.getByRole('region', { name: 'Your requests and complaints' });
    const request = list.getByRole('row', { name: /Discharge temperature alarm every afternoon/ });
    await request.getByText('received').waitFor();

    await form.getByLabel('Kind').selectOption('complaint');
    await form.getByLabel('About').selectOption('invoice');
    await form.getByRole('combobox', { name: /^Invoice/ }).selectOption(mine.invoiceId);
    await form.getByLabel('What went wrong').fill('Billed minimum hours while the unit was down');
    await form.getByRole('button', { name: 'Send complaint' }).click();
    const complaint = list.getByRole('row', { name: /Billed minimum hours while the unit was down/ });
    await complaint.getByText(`Invoice ${mine.invoiceNumber}`).waitFor();
    await expectNothingOfTheirs();
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Staff find both among the requests that came in through the portal, under the right customer.
    const staff = await server!.call<{ items: { type: string; symptom: string; customerId: string; channel: string }[] }>('GET', `/service-requests?customerId=${mine.customerId}&channel=portal`);
    expect(staff.items.map((r) => [r.type, r.symptom]).sort()).toEqual([
      ['complaint', 'Billed minimum hours while the unit was down'],
      ['service', 'Discharge temperature alarm every afternoon'],
    ]);
    // Still no 4xx but the deliberate not-found of the first walk.
    const expected = `HTTP 404 GET ${server!.base}/api/v1/portal/assets/${theirs.assetId}`;
    expect(browser!.problems.filter((p) => p !== expected), browser!.problems.join('\n')).toEqual([]);
  }, 120_000);

  it('shows the fleet as card rows at 390 px without horizontal overflow', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server!.base}/`);
    await page.getByRole('heading', { name: `My fleet · ${mine.name}` }).waitFor();
    await page.locator('td[data-label="Operating hours"]').first().waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.goto(`${server!.base}/service-requests`);
    await page.locator('td[data-label="State"]').first().waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
  }, 60_000);

  it("shows staff the customer's portal requests in the Service requests view", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Service requests' }).click();
    await page.getByRole('heading', { name: 'Service requests', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: /Discharge temperature alarm every afternoon/ });
    await row.getByRole('cell', { name: mine.name }).waitFor();
    await row.getByRole('cell', { name: 'portal', exact: true }).waitFor();
  }, 60_000);
});
