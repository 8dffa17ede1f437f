/**
 * `npm run screenshots`: starts Hourmeter with the demo fleet (temporary data
 * directory, free ports), lets it run until there is telemetry and, if
 * possible, an alert, signs in to the console in Debian's Chromium and writes
 * a PNG of each main view to docs/screenshots/.
 *
 * Options: --out <dir> (default docs/screenshots), --wait-alert-s <n> (default 150),
 * --chromium <path> (default /usr/bin/chromium or $CHROMIUM_PATH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { startFront } from './front.js';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const KEY = 'hm_screenshots_admin_key_0123456789abcdef';
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'docs/screenshots') },
    'wait-alert-s': { type: 'string', default: '150' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`screenshots: ${s}\n`);

async function api<T>(base: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${KEY}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function startServer(dir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts', '--demo', '--demo-speed', '1800'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HM_DATA_DIR: dir,
      HM_HTTP_PORT: '0',
      HM_HTTP_HOST: '127.0.0.1',
      HM_MQTT_PORT: '0',
      HM_MQTT_HOST: '127.0.0.1',
      HM_ADMIN_KEY: KEY,
      HM_HOUR_METER_INTERVAL_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600 && !out.includes('"hourmeter listening"'); i++) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${out}`);
    await sleep(100);
  }
  const line = out.split('\n').find((l) => l.includes('"hourmeter listening"'));
  if (!line) throw new Error(`server did not start:\n${out}`);
  return { child, address: (JSON.parse(line) as { address: string }).address };
}

/** The server's own address when it serves the console, else a front that does and forwards the API. */
async function consoleAddress(server: string): Promise<{ address: string; close: () => Promise<void> }> {
  const html = await fetch(`${server}/`, { headers: { accept: 'text/html' } }).then((r) => r.text(), () => '');
  if (html.includes('id="root"')) return { address: server, close: async () => undefined };
  log('the server does not serve the console itself: using a front (services/console/src/cli/front.ts)');
  const front = await startFront(server);
  return { address: front.address, close: () => front.app.close() };
}

async function shot(page: Page, name: string, url: string, ready: string): Promise<void> {
  await page.goto(url);
  await page.locator(ready).first().waitFor({ timeout: 20_000 });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await sleep(800);
  const file = join(values.out, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  log(`wrote ${file}`);
}

async function main(): Promise<void> {
  if (!existsSync(values.chromium)) {
    throw new Error(`no Chromium at ${values.chromium}: install the Debian package \`chromium\` (apt-get install chromium) or pass --chromium`);
  }
  if (!existsSync(join(ROOT, 'services/console/dist/web/index.html'))) throw new Error('console not built: run `npm run build` first');
  mkdirSync(values.out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'hm-screens-'));
  const profile = mkdtempSync(join(tmpdir(), 'hm-chromium-'));
  const server = await startServer(dir);
  const front = await consoleAddress(server.address);
  // A fresh profile directory (--user-data-dir) per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: values.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 860 },
    deviceScaleFactor: 1,
  });
  try {
    // A PBH contract over the demo assets, so the contracts view has terms, usage and an invoice draft.
    const assets = await api<{ items: { id: string; siteId: string }[] }>(server.address, '/assets');
    const customers = await api<{ items: { id: string }[] }>(server.address, '/customers');
    // A contract covers only its customer's assets: those at its sites.
    const sites = await api<{ items: { id: string; customerId: string }[] }>(server.address, '/sites');
    const own = new Set(sites.items.filter((s) => s.customerId === customers.items[0]!.id).map((s) => s.id));
    const contract = await api<{ id: string }>(server.address, '/contracts', {
      method: 'POST',
      body: {
        customerId: customers.items[0]!.id,
        assetIds: assets.items.filter((a) => own.has(a.siteId)).map((a) => a.id),
        startsOn: '2025-01-01',
        endsOn: '2028-12-31',
        currency: 'EUR',
        terms: { kind: 'pbh', ratePerHourMinor: 1450, minimumHoursPerPeriod: 100, availabilityGuaranteePercent: 98, creditSchedule: { stepPoints: 0.5, percentPerStep: 2, capPercent: 20 } },
      },
    });
    const waitS = Number(values['wait-alert-s']);
    log(`waiting up to ${waitS} s for the demo fleet to raise an alert`);
    let alertId: string | undefined;
    for (let i = 0; i < waitS && !alertId; i++) {
      alertId = (await api<{ items: { id: string }[] }>(server.address, '/alerts')).items[0]?.id;
      if (!alertId) await sleep(1000);
    }
    log(alertId ? `alert ${alertId}` : 'no alert yet: the alert views will show an empty queue');
    // Invoice run for the current period (usage metered so far).
    // The demo fleet's simulated time runs behind the wall clock: bill its month too.
    const latest = await api<{ values: { ts: number }[] }>(server.address, `/assets/${assets.items[0]!.id}/telemetry/latest`);
    const simMonth = new Date(Math.max(0, ...latest.values.map((v) => v.ts)) || Date.now()).toISOString().slice(0, 7);
    const simPeriods = [simMonth];
    for (const p of simPeriods) {
      const run = await api<{ id: string }>(server.address, '/invoice-runs', { method: 'POST', body: { period: p } });
      for (let i = 0; i < 40 && (await api<{ status: string }>(server.address, `/invoice-runs/${run.id}`)).status === 'running'; i++) await sleep(250);
    }

    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(front.address);
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    await shot(page, 'fleet', `${front.address}/`, 'table tbody tr');
    const pump = assets.items[0]!.id;
    await shot(page, 'asset', `${front.address}/assets/${pump}`, '.chart-grid .uplot');
    await shot(page, 'alerts', alertId ? `${front.address}/alerts/${alertId}` : `${front.address}/alerts`, alertId ? '#evidence-h' : '#alerts-h');
    const queue = await api<{ items: { workOrder: { id: string } }[] }>(server.address, '/work-orders/queue');
    const wo = queue.items[0]?.workOrder.id;
    await shot(page, 'work-orders', wo ? `${front.address}/work-orders/${wo}` : `${front.address}/work-orders`, wo ? '#wo-h' : '#wo-list-h');
    await shot(page, 'parts', `${front.address}/parts`, '#parts-h');
    await shot(page, 'contracts', `${front.address}/contracts/${contract.id}`, '#contract-h');
    await shot(page, 'reports', `${front.address}/reports`, '.cards');
    await page.setViewportSize({ width: 820, height: 1100 });
    await shot(page, 'fleet-tablet', `${front.address}/`, 'table tbody tr');
    if (errors.length) throw new Error(`console errors in the page:\n${errors.join('\n')}`);
  } finally {
    await context.close();
    await front.close();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
