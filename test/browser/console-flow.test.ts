import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, type Fleet } from '@hourmeter/sim-fleet';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from './console-build.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'hm_browser_e2e_admin_key_0123456789';
const ADMIN_EMAIL = 'admin@browser.test';
const ADMIN_PASSWORD = 'browser-e2e-admin-password';
const DAY = 86_400_000;
const H = 3_600_000;
// The degradation-flow settings: a seeded pump whose bearing fails ~98 simulated hours in (~60 s wall).
const SEED = 29;
const INITIAL_WEAR = 0.99;
const RATE = 20;
const SPEED = 6000;

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser e2e skipped: no Chromium at ${CHROMIUM}; install the Debian package \`chromium\` (apt-get install chromium)`);

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
  const failedAnswers: string[] = [];

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
    ensureConsoleBuilt();
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
    // Chromium's console line about a failed request has no URL: the failed answers say which request it was.
    page.on('response', (r) => {
      if (r.status() >= 400) failedAnswers.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
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
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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
    // The raw readings of the chosen metrics download as Parquet (magic bytes at both ends).
    await page.getByLabel('Export format').selectOption('parquet');
    const [parquet] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download raw readings' }).click()]);
    expect(parquet.suggestedFilename()).toMatch(/^telemetry-ast_.*\.parquet$/);
    const exported = readFileSync(await parquet.path());
    expect([exported.subarray(0, 4).toString(), exported.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);

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
    await page.getByRole('textbox', { name: 'Technician', exact: true }).fill('Kari Nordmann');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.getByLabel('Symptom code').selectOption('VIB-HIGH');
    await page.getByLabel('Cause code').selectOption('BRG-FATIGUE');
    await page.getByLabel('Remedy code').selectOption('BRG-REPLACE');
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

    // Issue it. A draft whose period has not closed (end + grace) is provisional:
    // the dialog says so and the admin forces it with a reason, shown on the row.
    const draft = (await call<{ items: { provisional?: boolean }[] }>('GET', `/invoices?contractId=${contract.id}`)).items[0]!;
    if (draft.provisional) await invoiceRow.getByText('provisional').waitFor();
    await invoiceRow.getByRole('button', { name: 'Issue…' }).click();
    const dialog = page.getByRole('dialog', { name: /^Issue invoice/ });
    if (draft.provisional) {
      await dialog.getByRole('note').getByText(/provisional/).waitFor();
      await dialog.getByLabel('Reason for issuing early').fill('closing the books early');
      await dialog.getByRole('button', { name: 'Force issue' }).click();
      await invoiceRow.getByText('issued early: closing the books early').waitFor();
    } else {
      await dialog.getByRole('button', { name: 'Issue', exact: true }).click();
    }
    await invoiceRow.getByText('issued', { exact: true }).waitFor();
    expect((await call<{ items: { status: string }[] }>('GET', `/invoices?contractId=${contract.id}`)).items[0]!.status).toBe('issued');

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
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('header .who', { hasText: 'Pat Planner' }).waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    // The planner lands on their home view.
    await page.getByRole('heading', { name: /Work orders/ }).waitFor();
    // Back to the admin for the other roles' walks.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('header .who', { hasText: 'Administrator' }).waitFor();

    expect(errors, `console errors:\n${errors.join('\n')}\nfailed answers:\n${failedAnswers.join('\n')}`).toEqual([]);
  }, 240_000);

  it('lets an account manager set the billing party, issue, download the PDF, record payments and see the ageing', async () => {
    // A closed period two months back; a minimum of 100 h at 10.00 gives the invoice 1,000.00 without telemetry.
    const now = new Date();
    const period = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1)).toISOString().slice(0, 7);
    const customer = await post<{ id: string }>('/customers', { name: 'Ageing Browser', currency: 'EUR' });
    const site = await post<{ id: string }>('/sites', { customerId: customer.id, name: 'Hamburg cold store', timezone: 'Europe/Berlin' });
    const model = await post<{ id: string }>('/asset-models', { code: 'BRW-CHILLER', name: 'Chiller CH9', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await post<{ id: string }>('/assets', { serialNumber: 'BRW-CH-000009', assetModelId: model.id, siteId: site.id, commissionedOn: `${period}-01` });
    await post('/contracts', {
      customerId: customer.id,
      assetIds: [asset.id],
      startsOn: `${period}-01`,
      endsOn: new Date(Date.parse(`${period}-01`) + 365 * DAY).toISOString().slice(0, 10),
      currency: 'EUR',
      terms: { kind: 'pbh', ratePerHourMinor: 1_000, minimumHoursPerPeriod: 100, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 2, capPercent: 20 } },
    });

    await page.goto(base);
    if (await page.getByLabel('API key').count()) {
      await page.getByLabel('API key').fill(ADMIN_KEY);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }
    await page.getByRole('link', { name: 'Contracts' }).click();
    await page.getByRole('link', { name: 'Ageing Browser' }).click();
    await page.locator('#contract-h').waitFor();

    // The billing party: legal name, address, tax id, VAT by country, payment terms.
    await page.getByRole('button', { name: 'Edit billing party' }).click();
    const billing = page.getByRole('form', { name: 'Billing party' });
    await billing.getByLabel('Legal name').fill('Ageing Browser Kühlhaus GmbH');
    await billing.getByLabel('Address', { exact: true }).fill('Am Sandtorkai 1');
    await billing.getByLabel('Postal code').fill('20457');
    await billing.getByLabel('City').fill('Hamburg');
    await billing.getByLabel('Country (ISO code)').fill('de');
    await billing.getByLabel('Tax id').fill('DE999888777');
    await billing.getByLabel('Payment terms (days net)').fill('14');
    await billing.getByRole('button', { name: 'Save billing party' }).click();
    await page.getByText('VAT at the country’s standard rate').waitFor();
    await page.getByText('Ageing Browser Kühlhaus GmbH').waitFor();

    // Invoice the period and issue it: 1,000.00 + 19 % VAT = 1,190.00, due in 14 days.
    await page.getByLabel('Period').fill(period);
    await page.getByRole('button', { name: `Run invoicing for ${period}` }).click();
    // The invoice's row (the contract's row starts on the same day but ends a year later).
    const row = page.getByRole('row').filter({ hasText: new RegExp(`${period}-01 – ${period}-\\d\\d`) });
    await row.getByText('draft').waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Issue' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Issue', exact: true }).click();
    await row.getByText('unpaid').waitFor({ timeout: 15_000 });
    await expect.poll(() => row.textContent()).toMatch(/1,190\.00/);
    await expect.poll(() => row.textContent()).toMatch(/190\.00/);

    // The PDF downloads and reads back with the legal name and the total.
    const [pdf] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'PDF' }).click()]);
    const file = join(profile, 'invoice.pdf');
    await pdf.saveAs(file);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    if (!text.error) {
      expect(text.stdout).toContain('Ageing Browser Kühlhaus GmbH');
      expect(text.stdout).toMatch(/Total EUR\s+1,190\.00/);
      expect(text.stdout).toMatch(/Due date: \d{4}-\d{2}-\d{2} \(14 days net\)/);
    }

    // A part payment: partly paid, and the rest shows in the ageing report under "not yet due".
    await row.getByRole('button', { name: 'Payments' }).click();
    const pay = page.getByRole('form', { name: /Payment for invoice/ });
    await pay.getByLabel('Amount (EUR)').fill('1190.01');
    await pay.getByRole('button', { name: 'Record payment' }).click();
    await pay.getByRole('alert').filter({ hasText: /payment of 1,190\.01 EUR exceeds the open 1,190\.00 EUR/ }).waitFor();
    await pay.getByLabel('Amount (EUR)').fill('500');
    await pay.getByRole('button', { name: 'Record payment' }).click();
    await row.getByText('partly paid').waitFor({ timeout: 15_000 });
    await expect.poll(() => row.textContent()).toMatch(/690\.00/);

    await page.getByRole('link', { name: 'Reports' }).click();
    const ageingRow = page.locator('section[aria-labelledby="ageing-h"]').getByRole('row').filter({ hasText: 'Ageing Browser Kühlhaus GmbH' });
    await ageingRow.waitFor({ timeout: 15_000 });
    expect(await ageingRow.textContent()).toMatch(/690\.00/);

    // The refused overpayment (409) is the one failed request, shown to the user as above.
    const unexpected = errors.filter((e) => !/Failed to load resource: .* 409 \(Conflict\)/.test(e));
    expect(unexpected, `console errors:\n${unexpected.join('\n')}\nfailed answers:\n${failedAnswers.join('\n')}`).toEqual([]);
  }, 120_000);

  it('completes an order from the parts picker: stock by location, the 409 naming where stock is, reconciliation and a reserve warning', async () => {
    // ------------------------------------------------------------ provisioning through the API (signed in by the first test)
    const customer = await post<{ id: string }>('/customers', { name: 'Browser Test Bakery', currency: 'EUR' });
    const site = await post<{ id: string }>('/sites', { customerId: customer.id, name: 'Trondheim bakery', timezone: 'Europe/Oslo', location: { lat: 63.43, lon: 10.4 } });
    const model = await post<{ id: string }>('/asset-models', { code: 'BRW-OVEN-K9', name: 'Deck oven K9', repeatWindowDays: 14 });
    const batch = await post<{ id: string }>('/production-batches', { assetModelId: model.id, code: 'BRW-OVEN-B1', producedOn: '2026-01-01', unitCount: 3, qualityReserve: { amountMinor: 300_00, currency: 'EUR' } });
    const asset = await post<{ id: string }>('/assets', { serialNumber: 'BRW-OVEN-000001', assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10) });
    for (const c of [
      { kind: 'symptom', code: 'NO-HEAT', description: 'Does not heat' },
      { kind: 'cause', code: 'ELEMENT', description: 'Heating element failed' },
      { kind: 'remedy', code: 'REPLACE', description: 'Element replaced' },
    ])
      await call('PUT', `/asset-models/${model.id}/failure-codes`, c);
    await post('/parts', { partNumber: 'BRW-HTR-9', description: 'Heating element', unitCost: { amountMinor: 60_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const part = (await call<{ items: { id: string }[] }>('GET', '/parts?partNumber=BRW-HTR-9')).items[0]!;
    const store = await post<{ id: string }>('/warehouses', { code: 'BRW-TRD', name: 'Trondheim store', level: 'central', location: { lat: 63.4, lon: 10.39 } });
    await post('/stock/movements', { warehouseId: store.id, partId: part.id, kind: 'receipt', quantity: 1 });
    const order = await post<{ id: string }>('/work-orders', { kind: 'corrective', assetId: asset.id, failureMode: 'no_heat' });
    const now = Date.now();
    await post(`/work-orders/${order.id}/schedule`, { technician: 'Ola Nordmann', windowFrom: now, windowTo: now + 2 * H });
    await post(`/work-orders/${order.id}/start`);

    // ------------------------------------------------------------ the planner completes it in the console
    await page.goto(`${base}/work-orders/${order.id}`);
    await page.locator('#wo-h', { hasText: 'corrective' }).waitFor();
    // The model has a catalogue: the codes are picked from it.
    await page.getByLabel('Symptom code').selectOption('NO-HEAT');
    await page.getByLabel('Cause code').selectOption('ELEMENT');
    await page.getByLabel('Remedy code').selectOption('REPLACE');
    await page.getByLabel('Responsible department').selectOption('production');
    await page.getByLabel('Labour hours').fill('3');
    await page.getByLabel('Part consumed (optional)').selectOption('BRW-HTR-9');
    await page.getByLabel('Quantity').fill('2');
    // The picker shows the part's stock by location.
    const stock = page.getByRole('table', { name: 'Stock of BRW-HTR-9 by location' });
    await stock.getByRole('row').filter({ hasText: 'Trondheim store' }).waitFor();
    expect(await stock.getByRole('row').filter({ hasText: 'Trondheim store' }).getByRole('cell').allTextContents()).toEqual(['BRW-HTR-9', 'Trondheim store', '1', '1']);
    // Two used, one in stock: refused, saying where the stock is.
    await page.getByRole('button', { name: 'Complete work order' }).click();
    await page.getByRole('alert').filter({ hasText: 'stock exists at BRW-TRD (Trondheim store): 1 available' }).waitFor();
    await page.getByLabel('Quantity').fill('1');
    await page.getByRole('button', { name: 'Complete work order' }).click();
    await page.getByText(/^Completed /).waitFor();
    expect((await call<{ items: { onHand: number }[] }>('GET', `/stock?warehouseId=${store.id}&partId=${part.id}`)).items[0]!.onHand).toBe(0);

    // ------------------------------------------------------------ reports: the reserve is over 80 % (60.00 part + 3 h x 85.00 = 315.00 of 300.00) and the element is owed back
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('list', { name: 'Quality reserve warnings' }).getByText(/batch BRW-OVEN-B1 is overdrawn/).waitFor();
    await page.getByRole('table', { name: 'Parts reconciliation' }).getByRole('row').filter({ hasText: 'BRW-HTR-9' }).getByText('return_missing').waitFor();
    await page.getByRole('link', { name: 'Parts' }).click();
    await page.getByRole('row').filter({ hasText: 'BRW-HTR-9' }).getByText('return missing').first().waitFor();
    // The technician brings the replaced element back: recorded on the order, the row reconciles.
    await page.goto(`${base}/work-orders/${order.id}`);
    await page.getByLabel('Returned part', { exact: true }).fill('BRW-HTR-9');
    await page.getByLabel('Received at').selectOption({ label: 'Trondheim store (BRW-TRD)' });
    await page.getByRole('button', { name: 'Record return' }).click();
    await page.getByRole('table', { name: 'Parts returned' }).getByRole('row').filter({ hasText: 'defective' }).waitFor();
    await page.getByRole('link', { name: 'Parts' }).click();
    await page.getByText('Everything consumed was issued and came back.').waitFor();

    // The browser logs the refused completion's 409 itself; anything else is a fault.
    const unexpected = errors.filter((e) => !/status of 409 \(Conflict\)/.test(e));
    expect(unexpected, `console errors:\n${unexpected.join('\n')}\nfailed answers:\n${failedAnswers.join('\n')}`).toEqual([]);
  }, 120_000);
});
