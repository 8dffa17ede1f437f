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
const ADMIN_KEY = 'hm_browser_rul_trend_admin_key_0123456789ab';

/**
 * The demo at its default speed in a real browser: as its devices report, the
 * prediction service records RUL estimates with their failure probability,
 * and an asset's page charts both with the model version of every point.
 */
describe.skipIf(!existsSync(CHROMIUM))('RUL trend on the asset page (Chromium, --demo)', () => {
  const dir = tempDir();
  const profile = mkdtempSync(join(tmpdir(), 'hm-chromium-'));
  let server: { child: ChildProcess; out: () => string; exited: Promise<unknown> } | undefined;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  const errors: string[] = [];
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts', '--demo'], {
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

  it('charts the RUL and failure probability history of an asset, naming the model of every point', async () => {
    // The demo's reliability models are trained at first start; estimates follow as readings arrive.
    const { items: assets } = await api<{ items: { id: string; serialNumber: string }[] }>('/assets?limit=50');
    let withEstimates: { id: string; serialNumber: string; modelVersion: string } | undefined;
    await waitFor(
      'an asset with a few RUL estimates carrying a failure probability',
      async () => {
        for (const a of assets) {
          const { items } = await api<{ items: { modelVersion: string; failureProbability?: number }[] }>(`/assets/${a.id}/rul`);
          const withP = items.filter((e) => e.failureProbability !== undefined);
          if (withP.length >= 3) {
            withEstimates = { ...a, modelVersion: withP.at(-1)!.modelVersion };
            return true;
          }
        }
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
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
    await page.getByRole('img', { name: new RegExp(`^Probability of failing within the lead time: failure probability \\(%\\) · ${escaped}, [1-9]\\d* points`) }).waitFor();
    await page.getByText(/failure probability within the lead time \d/).waitFor();
    const models = page.getByRole('table', { name: 'Models that produced these estimates' });
    await models.getByRole('cell', { name: asset.modelVersion, exact: true }).waitFor();
    expect(errors, `console errors:\n${errors.join('\n')}`).toEqual([]);
  }, 180_000);
});
