import { existsSync } from 'node:fs';
import { waitFor } from '@hourmeter/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_reliability_admin_key_0123456789';

/**
 * The demo's first start in a real browser: every asset shows a failure
 * probability in the fleet (sortable), and the reliability page shows the
 * Weibull fit of a product line's failure mode with B10, lives and versions.
 */
describe.skipIf(!existsSync(CHROMIUM))('reliability in the web console (Chromium, --demo)', () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY }, ['--demo', '--demo-speed', '1']);
    base = server.base;
    await waitFor('the demo history', () => server!.out().includes('demo history seeded'), { timeoutMs: 60_000 });
    browser = await launchChromium();
    page = browser.page;
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('shows every demo asset a failure probability, sortable, and the reliability page of a failure mode', async () => {
    await page.goto(`${base}/`);
    // People sign in with e-mail and password; this walk uses the machine key.
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Fleet' }).click();
    const cells = page.locator('tbody tr td:nth-child(7)');
    await waitFor('a failure probability on every asset', async () => (await cells.allInnerTexts()).filter((t) => /\d %/.test(t)).length === 6, { timeoutMs: 30_000 });
    // Sort by failure probability, highest first: the column's values come out in order.
    await page.getByLabel('Group by site').uncheck();
    const header = page.getByRole('button', { name: /Failure probability/ });
    await header.click();
    await header.click();
    const values = (await cells.allInnerTexts()).map((t) => Number(/([\d.]+) %/.exec(t)![1]));
    expect(values).toEqual([...values].sort((a, b) => b - a));

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reliability', exact: true }).click();
    await page.getByRole('heading', { name: 'Reliability', level: 1 }).waitFor();
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
    await page.getByLabel('Asset model', { exact: true }).selectOption({ label: 'DEMO-PUMP-CP200 · Centrifugal pump CP200' });
    const bearing = page.getByRole('region', { name: /bearing_wear/ });
    await bearing.getByText(/^B10 /).waitFor({ timeout: 20_000 });
    await bearing.getByRole('img', { name: /Survival curve of DEMO-PUMP-CP200 bearing_wear: fitted Weibull with \d+ failures and \d+ censored lives/ }).waitFor();
    const versions = bearing.getByRole('table', { name: /Model versions/ });
    await versions.getByRole('cell', { name: 'v1', exact: true }).waitFor();
    // The demo trains population fits: each version says which kind of model it is.
    await versions.getByRole('cell', { name: 'Weibull (population)', exact: true }).first().waitFor();
    expect(await versions.getByText('active', { exact: true }).count()).toBe(1);
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
  }, 120_000);
});
