import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from './console-build.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'hm_browser_reliability_admin_key_0123456789';

/**
 * The demo's first start in a real browser: every asset shows a failure
 * probability in the fleet (sortable), and the reliability page shows the
 * Weibull fit of a product line's failure mode with B10, lives and versions.
 */
describe.skipIf(!existsSync(CHROMIUM))('reliability in the web console (Chromium, --demo)', () => {
  const dir = tempDir();
  const profile = mkdtempSync(join(tmpdir(), 'hm-chromium-'));
  let server: { child: ChildProcess; out: () => string; exited: Promise<unknown> } | undefined;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  const errors: string[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts', '--demo', '--demo-speed', '1'], {
      cwd: ROOT,
      env: { ...process.env, HM_DATA_DIR: dir.path, HM_HTTP_PORT: '0', HM_HTTP_HOST: '127.0.0.1', HM_MQTT_PORT: '0', HM_MQTT_HOST: '127.0.0.1', HM_ADMIN_KEY: ADMIN_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    server = { child, out: () => out, exited: new Promise((r) => child.once('exit', r)) };
    await waitFor('the server to listen', () => out.includes('"hourmeter listening"'), { timeoutMs: 60_000 });
    base = (JSON.parse(out.split('\n').find((l) => l.includes('"hourmeter listening"'))!) as { address: string }).address;
    await waitFor('the demo history', () => out.includes('demo history seeded'), { timeoutMs: 60_000 });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(profile, { recursive: true, force: true });
    dir.cleanup();
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
    expect(errors, `console errors:\n${errors.join('\n')}`).toEqual([]);
    await page.getByLabel('Asset model', { exact: true }).selectOption({ label: 'DEMO-PUMP-CP200 · Centrifugal pump CP200' });
    const bearing = page.getByRole('region', { name: /bearing_wear/ });
    await bearing.getByText(/^B10 /).waitFor({ timeout: 20_000 });
    await bearing.getByRole('img', { name: /Survival curve of DEMO-PUMP-CP200 bearing_wear: fitted Weibull with \d+ failures and \d+ censored lives/ }).waitFor();
    const versions = bearing.getByRole('table', { name: /Model versions/ });
    await versions.getByRole('cell', { name: 'v1', exact: true }).waitFor();
    // The demo trains population fits: each version says which kind of model it is.
    await versions.getByRole('cell', { name: 'Weibull (population)', exact: true }).first().waitFor();
    expect(await versions.getByText('active', { exact: true }).count()).toBe(1);
    expect(errors, `console errors:\n${errors.join('\n')}`).toEqual([]);
  }, 120_000);
});
