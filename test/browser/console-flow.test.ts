import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, type Fleet } from '@hourmeter/sim-fleet';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'hm_browser_e2e_admin_key_0123456789';
const ADMIN_EMAIL = 'admin@browser.test';
const ADMIN_PASSWORD = 'browser-e2e-admin-password';
const CONSOLE_DIR = join(ROOT, 'services/console');
const DAY = 86_400_000;
const H = 3_600_000;
// The degradation-flow settings: a seeded pump whose bearing fails ~98 simulated hours in (~60 s wall).
const SEED = 29;
const INITIAL_WEAR = 0.99;
const RATE = 20;
const SPEED = 6000;

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser e2e skipped: no Chromium at ${CHROMIUM}; install the Debian package \`chromium\` (apt-get install chromium)`);

/** Newest modification time under a directory (sources of the console). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt(): void {
  const index = join(CONSOLE_DIR, 'dist/web/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(CONSOLE_DIR, 'src/app'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: CONSOLE_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
}

function spawnLogged(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; exited: Promise<unknown> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', r)) };
}

/**
 * The console in a real browser against the real process: sign in, watch a
 * degrading pump's telemetry, see its alert arrive live, confirm it, work the
 * preventive order to completion and find the contract's invoice draft.
 */
describe.skipIf(!hasChromium)('web console in Chromium', () => {
  const dir = tempDir();
  const profile = mkdtempSync(join(tmpdir(), 'hm-chromium-'));
  const procs: { child: ChildProcess; exited: Promise<unknown> }[] = [];
  let api = '';
  let base = '';
  let mqttPort = 0;
  let fleet: Fleet | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const errors: string[] = [];

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${api}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);

  beforeAll(async () => {
    ensureBuilt();
    const server = spawnLogged(['--import', 'tsx', 'services/server/src/main.ts'], {
      HM_DATA_DIR: dir.path,
      HM_HTTP_PORT: '0',
      HM_HTTP_HOST: '127.0.0.1',
      HM_MQTT_PORT: '0',
      HM_MQTT_HOST: '127.0.0.1',
      HM_ADMIN_KEY: ADMIN_KEY,
      HM_ADMIN_EMAIL: ADMIN_EMAIL,
      HM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HM_HOUR_METER_INTERVAL_MS: '200',
    });
    procs.push(server);
    await waitFor('the server to listen', () => server.out().includes('"hourmeter listening"'), { timeoutMs: 40_000 });
    const info = JSON.parse(server.out().split('\n').find((l) => l.includes('"hourmeter listening"'))!) as { address: string; mqttPort: number };
    api = info.address;
    mqttPort = info.mqttPort;
    // Until the server mounts the console itself, a front serves it and forwards the API.
    const html = await fetch(`${api}/`, { headers: { accept: 'text/html' } }).then((r) => r.text());
    if (html.includes('id="root"')) {
      base = api;
    } else {
      const front = spawnLogged(['--import', 'tsx', 'services/console/src/cli/front.ts', '--upstream', api], {});
      procs.push(front);
      await waitFor('the console front', () => front.out().includes('"console"'), { timeoutMs: 30_000 });
      base = (JSON.parse(front.out().split('\n').find((l) => l.includes('"console"'))!) as { console: string }).console;
    }
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
    await context?.close();
    for (const p of procs.reverse()) {
      if (p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    rmSync(profile, { recursive: true, force: true });
    dir.cleanup();
  }, 30_000);

  it('signs in, shows telemetry, a live alert, its work order to completion and the invoice draft', async () => {
    const simStartMs = Math.floor((Date.now() - 7 * DAY) / 60_000) * 60_000;
    const period = new Date(simStartMs).toISOString().slice(0, 7);

    // ------------------------------------------------------------ provisioning through the API
    const customer = await post<{ id: string }>('/customers', { name: 'Browser Test Dairy', currency: 'EUR' });
    const site = await post<{ id: string }>('/sites', { customerId: customer.id, name: 'Bergen dairy', timezone: 'Europe/Oslo' });
    const model = await post<{ id: string }>('/asset-models', {
      code: 'BRW-PUMP-CP200',
      name: 'Centrifugal pump CP200',
      runningRule: { kind: 'boolean', metric: 'running' },
      maxGapSeconds: 900,
      warrantyMonths: 24,
      leadTimeHours: 72,
    });
    const asset = await post<{ id: string }>('/assets', {
      serialNumber: 'BRW-PUMP-000001',
      assetModelId: model.id,
      siteId: site.id,
      commissionedOn: new Date(simStartMs - 90 * DAY).toISOString().slice(0, 10),
    });
    const device = await post<{ credentials: { username: string; password: string } }>('/devices', { assetId: asset.id, name: 'gateway' });
    for (const c of [
      { kind: 'symptom', code: 'VIB-HIGH', description: 'High bearing vibration' },
      { kind: 'cause', code: 'BRG-FATIGUE', description: 'Bearing fatigue' },
      { kind: 'remedy', code: 'BRG-REPLACE', description: 'Bearing replaced' },
    ])
      await call('PUT', `/asset-models/${model.id}/failure-codes`, c);
    const contract = await post<{ id: string }>('/contracts', {
      customerId: customer.id,
      assetIds: [asset.id],
      startsOn: `${period}-01`,
      endsOn: new Date(Date.parse(`${period}-01`) + 365 * DAY).toISOString().slice(0, 10),
      currency: 'EUR',
      terms: { kind: 'pbh', ratePerHourMinor: 1_250, availabilityGuaranteePercent: 98, creditSchedule: { stepPoints: 0.5, percentPerStep: 2, capPercent: 20 } },
    });

    // ------------------------------------------------------------ sign in as the first admin (e-mail and password)
    await page.goto(base);
    await page.getByText(/first start of the server prints/).waitFor();
    await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.locator('header .who', { hasText: 'Administrator' }).waitFor();
    // The session is an httpOnly cookie: nothing secret is readable by scripts.
    expect(await page.evaluate('document.cookie + (sessionStorage.getItem("hourmeter.apiKey") ?? "")')).toBe('');

    // ------------------------------------------------------------ the simulated pump publishes
    fleet = createFleet({
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      devices: [{ id: device.credentials.username, password: device.credentials.password, model: 'pump' }],
      seed: SEED,
      rate: RATE,
      speed: SPEED,
      simStartMs,
      initialWear: INITIAL_WEAR,
    });
    await fleet.start();

    // Fleet: the asset is online (live device status).
    await page.getByRole('link', { name: 'Fleet' }).click();
    const row = page.getByRole('row').filter({ hasText: 'BRW-PUMP-000001' });
    await expect.poll(() => row.getByText('online').count(), { timeout: 30_000 }).toBe(1);

    // Asset: telemetry charts.
    await row.getByRole('link', { name: 'BRW-PUMP-000001' }).click();
    await page.getByRole('heading', { name: /BRW-PUMP-000001/ }).waitFor();
    await waitFor('telemetry to exist', async () => (await call<{ values: unknown[] }>('GET', `/assets/${asset.id}/telemetry/latest`)).values.length > 0, { timeoutMs: 20_000 });
    await page.reload();
    await page.locator('.chart-grid .uplot').first().waitFor({ timeout: 20_000 });
    await page.getByLabel('vibration_rms_mm_s').check();
    await page.locator('figure.chart', { hasText: 'vibration_rms_mm_s' }).locator('.uplot').waitFor({ timeout: 20_000 });

    // Alerts: open the queue, then the alert appears without a reload.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    // A low-severity alert may come first; prediction opens the preventive order once it is high or critical.
    const alertRow = page.getByRole('row').filter({ hasText: 'bearing wear' }).filter({ hasText: /high|critical/ });
    await alertRow.first().waitFor({ timeout: 100_000 });
    await alertRow.first().getByRole('link', { name: 'bearing wear' }).click();
    await page.locator('#evidence-h').waitFor();
    await page.locator('.panel table', { hasText: 'Signals' }).locator('tbody tr').first().waitFor();
    await page.getByLabel('Reason').fill('bearing vibration rising: real fault');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('.panel .badge', { hasText: 'acknowledged' }).or(page.locator('.panel .error')).first().waitFor();
    expect(await page.locator('.panel .error').allTextContents()).toEqual([]);
    await page.locator('.panel .badge', { hasText: 'acknowledged' }).waitFor();
    await page.getByLabel('Reason').fill('confirmed on site trend');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.panel .badge', { hasText: 'confirmed' }).waitFor();
    // History names the person, not a key id.
    await page.locator('ol.history li', { hasText: /→ confirmed by Administrator —/ }).waitFor();

    // The preventive work order opened by prediction: schedule, start, complete.
    const woLink = page.getByRole('link', { name: /Open work order/ });
    await woLink.waitFor({ timeout: 30_000 });
    await woLink.click();
    await page.locator('#wo-h', { hasText: 'preventive' }).waitFor();
    await page.getByLabel('Technician').fill('Kari Nordmann');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.getByLabel('Symptom code').fill('VIB-HIGH');
    await page.getByLabel('Cause code').fill('BRG-FATIGUE');
    await page.getByLabel('Remedy code').fill('BRG-REPLACE');
    await page.getByLabel('Responsible department').selectOption('production');
    await page.getByLabel('Labour hours').fill('3');
    const now = Date.now();
    await page.getByLabel('Downtime from (UTC)').fill(new Date(now - 2 * H).toISOString().slice(0, 16));
    await page.getByLabel('Downtime to (UTC)').fill(new Date(now).toISOString().slice(0, 16));
    await page.getByRole('button', { name: 'Complete work order' }).click();
    await page.getByText(/^Completed /).waitFor();
    await fleet.stop();
    fleet = undefined;

    // Contracts: run invoicing for the simulated period and see the draft.
    await page.getByRole('link', { name: 'Contracts' }).click();
    await page.getByRole('link', { name: 'Browser Test Dairy' }).click();
    await page.locator('#contract-h').waitFor();
    await page.getByLabel('Period').fill(period);
    await page.getByRole('button', { name: `Run invoicing for ${period}` }).click();
    const invoiceRow = page.getByRole('row').filter({ hasText: `${period}-01` });
    await invoiceRow.getByText('draft').waitFor({ timeout: 30_000 });
    const invoices = await call<{ items: { status: string; lines: { kind: string }[] }[] }>('GET', `/invoices?contractId=${contract.id}`);
    expect(invoices.items.some((i) => i.status === 'draft' && i.lines.some((l) => l.kind === 'usage'))).toBe(true);
    await invoiceRow.getByRole('button', { name: 'View / print' }).click();
    await page.frameLocator('iframe[title="Printable invoice"]').locator('table').first().waitFor();
    await page.getByRole('button', { name: 'Close' }).click();

    // ------------------------------------------------------------ the admin adds a planner, who signs in
    await page.getByRole('link', { name: 'Users' }).click();
    const addUser = page.getByRole('form', { name: 'Add a user' });
    await addUser.getByLabel('Name').fill('Pat Planner');
    await addUser.getByLabel('E-mail').fill('pat@browser.test');
    await addUser.getByLabel('Role').selectOption('planner');
    await addUser.getByLabel('Initial password').fill('pat-planner-password');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('row').filter({ hasText: 'pat@browser.test' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('E-mail').fill('pat@browser.test');
    await page.getByLabel('Password').fill('pat-planner-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header .who', { hasText: 'Pat Planner' }).waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    // The planner lands on their home view.
    await page.getByRole('heading', { name: /Work orders/ }).waitFor();

    expect(errors, `console errors:\n${errors.join('\n')}`).toEqual([]);
  }, 240_000);
});
