import { existsSync } from 'node:fs';
import { waitFor } from '@hourmeter/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, seriousAxeViolations, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_service_products_admin_key_0123';

/**
 * The account manager's Service products view on the demo (whose seeded
 * history trains the Weibull fits): create an extended-warranty plan, quote a
 * pump with the working shown as a table, accept it into a warranty
 * contract; card rows at 390 px; no serious axe violation.
 */
describe.skipIf(!existsSync(CHROMIUM))('service products in the web console (Chromium, --demo)', () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY }, ['--demo', '--demo-speed', '1']);
    await waitFor('the demo history', () => server!.out().includes('demo history seeded'), { timeoutMs: 60_000 });
    browser = await launchChromium();
    page = browser.page;
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('creates a plan, quotes a pump with its working, accepts it', async () => {
    await page.goto(`${server!.base}/`);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Service products', exact: true }).click();
    await page.getByRole('heading', { name: 'Service products', level: 1 }).waitFor();

    const form = page.getByRole('form', { name: 'New plan' });
    await form.getByLabel('Asset model').selectOption({ label: 'DEMO-PUMP-CP200 – Centrifugal pump CP200' });
    await form.getByLabel('Name').fill('Extended warranty CP200, 24 months');
    await form.getByLabel('Term (months)').fill('24');
    await form.getByLabel('Margin (%)').fill('25');
    await form.getByLabel('Failure cost when no work order has one').fill('1,200.00');
    await form.getByRole('button', { name: 'Create plan' }).click();
    await page.getByRole('cell', { name: 'Extended warranty CP200, 24 months', exact: true }).waitFor();

    const quote = page.getByRole('form', { name: 'Quote a plan' });
    await quote.getByLabel('Plan').selectOption({ label: 'Extended warranty CP200, 24 months (DEMO-PUMP-CP200)' });
    await quote.getByRole('checkbox').first().check();
    await quote.getByRole('button', { name: 'Quote' }).click();
    const working = page.getByRole('table', { name: /Expected failure cost over/ });
    await working.waitFor({ timeout: 20_000 });
    // The working in major units: a failure mode row with its Weibull figures, then margin and price.
    await working.getByRole('cell', { name: /bearing wear/ }).first().waitFor();
    const price = (await working.locator('tfoot tr').last().locator('td').innerText()).trim();
    expect(price).toMatch(/\d/);
    await page.getByRole('heading', { name: /Extended warranty CP200, 24 months for .+: .*\d/ }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.setViewportSize({ width: 390, height: 800 });
    await working.locator('td[data-label="Expected failures"]').first().waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('button', { name: 'Accept', exact: true }).click();
    await page.getByText('warranty contract created').waitFor();
    await page.getByRole('region', { name: 'Quotes and agreements' }).getByText('accepted', { exact: true }).waitFor();
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
  }, 120_000);
});
