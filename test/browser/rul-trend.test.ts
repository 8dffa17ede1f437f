import { existsSync } from 'node:fs';
import { waitFor } from '@hourmeter/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './console-build.js';
import { CHROMIUM, launchChromium, startServer, type RunningServer } from './harness.js';

const ADMIN_KEY = 'hm_browser_rul_trend_admin_key_0123456789ab';

/**
 * The demo at its default speed in a real browser: as its devices report, the
 * prediction service records RUL estimates with their failure probability,
 * and an asset's page charts both with the model version of every point.
 */
describe.skipIf(!existsSync(CHROMIUM))('RUL trend on the asset page (Chromium, --demo)', () => {
  let server: RunningServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let base = '';
  const api = <T>(path: string): Promise<T> => server!.call<T>('GET', path);

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startServer({ HM_ADMIN_KEY: ADMIN_KEY }, ['--demo']);
    base = server.base;
    await waitFor('the demo history', () => server!.out().includes('demo history seeded'), { timeoutMs: 60_000 });
    browser = await launchChromium();
    page = browser.page;
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it('charts the RUL and failure probability history of an asset, naming the model of every point', async () => {
    // The demo's reliability models are trained at first start; estimates follow as readings arrive.
    const { items: assets } = await api<{ items: { id: string; serialNumber: string }[] }>('/assets?limit=50');
    let withEstimates: { id: string; serialNumber: string; modelVersion: string } | undefined;
    await waitFor(
      'an asset with a trend: at least two RUL estimates carrying a failure probability',
      async () => {
        for (const a of assets) {
          const { items } = await api<{ items: { modelVersion: string; failureProbability?: number }[] }>(`/assets/${a.id}/rul`);
          const withP = items.filter((e) => e.failureProbability !== undefined);
          if (withP.length >= 2) {
            withEstimates = { ...a, modelVersion: withP.at(-1)!.modelVersion };
            return true;
          }
        }
        return false;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    const asset = withEstimates!;

    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.getByRole('link', { name: asset.serialNumber, exact: true }).first().click();
    await page.getByRole('heading', { name: 'Remaining useful life' }).waitFor();

    const escaped = asset.modelVersion.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // The RUL chart has a line for the model, with its points counted in the chart's accessible name.
    await page.getByRole('img', { name: new RegExp(`^Remaining useful life with its uncertainty band: .*RUL \\(h\\) · ${escaped}, [1-9]\\d* points`) }).waitFor({ timeout: 20_000 });
    await page.getByRole('img', { name: new RegExp(`^Probability of failing within the lead time: (.*; )?failure probability \\(%\\) · ${escaped}, [1-9]\\d* points`) }).waitFor();
    await page.getByText(/failure probability within the lead time \d/).waitFor();
    const models = page.getByRole('table', { name: 'Models that produced these estimates' });
    await models.getByRole('cell', { name: asset.modelVersion, exact: true }).waitFor();
    expect(browser!.problems, browser!.problems.join('\n')).toEqual([]);
  }, 240_000);
});
