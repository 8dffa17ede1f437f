import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestSmtpServer } from '@hourmeter/notifications/testing';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { startReceiver, type Receiver } from '@hourmeter/webhooks/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from './console-build.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'hm_browser_integrations_admin_key_0123456789';
const ADMIN_EMAIL = 'admin@integrations.test';
const ADMIN_PASSWORD = 'browser-integrations-password';

/**
 * The Integrations view in a real browser against the real process: an admin
 * subscribes a local receiver to work-order events (choosing among every
 * event type, the new ones included), sees the delivery of an order created
 * meanwhile in the log, redelivers it, and sets up who is mailed what; an
 * account manager signed in with a password changes their own e-mail rules.
 */
describe.skipIf(!existsSync(CHROMIUM))('integrations in the web console (Chromium)', () => {
  const dir = tempDir();
  const profile = mkdtempSync(join(tmpdir(), 'hm-chromium-'));
  const smtp = new TestSmtpServer();
  let receiver: Receiver;
  let server: { child: ChildProcess; out: () => string; exited: Promise<unknown> } | undefined;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  const errors: string[] = [];

  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    await smtp.start();
    receiver = await startReceiver();
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        HM_DATA_DIR: dir.path,
        HM_HTTP_PORT: '0',
        HM_HTTP_HOST: '127.0.0.1',
        HM_MQTT_PORT: '0',
        HM_MQTT_HOST: '127.0.0.1',
        HM_ADMIN_KEY: ADMIN_KEY,
        HM_ADMIN_EMAIL: ADMIN_EMAIL,
        HM_ADMIN_PASSWORD: ADMIN_PASSWORD,
        HM_SMTP_URL: smtp.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    server = { child, out: () => out, exited: new Promise((r) => child.once('exit', r)) };
    await waitFor('the server to listen', () => out.includes('"hourmeter listening"'), { timeoutMs: 60_000 });
    base = (JSON.parse(out.split('\n').find((l) => l.includes('"hourmeter listening"'))!) as { address: string }).address;
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
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await receiver?.close();
    await smtp.stop();
    rmSync(profile, { recursive: true, force: true });
    dir.cleanup();
  }, 30_000);

  // Each walk answers for its own console errors, not for what an earlier failed one left.
  beforeEach(() => {
    errors.length = 0;
  });

  async function signIn(email: string, password: string) {
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  it('subscribes a receiver, shows the delivery in the log, redelivers it, and sets up e-mail preferences', async () => {
    await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();

    // Every event type can be chosen, the SLA, reserve and payment events among them.
    const subscribe = page.getByRole('form', { name: 'Add webhook subscription' });
    const types = subscribe.getByRole('group', { name: 'Event types' });
    for (const t of ['contract.sla_at_risk', 'reserve.warning', 'reserve.exhausted', 'payment.recorded', 'invoice.paid', 'workorder.created']) await types.getByLabel(t, { exact: true }).waitFor();
    await subscribe.getByLabel('URL').fill(receiver.url);
    await types.getByLabel('workorder.created', { exact: true }).check();
    await types.getByLabel('contract.sla_at_risk', { exact: true }).check();
    // A receiver on this machine is a private address: refused until the admin allows it.
    await subscribe.getByRole('button', { name: 'Subscribe' }).click();
    await subscribe.getByText(/allowPrivateNetwork/).waitFor();
    await subscribe.getByLabel('allow private network addresses').check();
    await subscribe.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('status').filter({ hasText: 'Signing secret' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'workorder.created, contract.sla_at_risk' }).waitFor();

    // An order is created (through the API, as a planner's tool would): its event reaches the receiver.
    const customer = await call<{ id: string }>('POST', '/customers', { name: 'Integration Dairy', currency: 'EUR' });
    const site = await call<{ id: string }>('POST', '/sites', { customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await call<{ id: string }>('POST', '/asset-models', { code: 'INT-PUMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await call<{ id: string }>('POST', '/assets', { serialNumber: 'INT-0001', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01' });
    await call('POST', '/work-orders', { kind: 'corrective', assetId: asset.id, description: 'leaking seal' });
    await waitFor('the receiver to get the order', () => receiver.received.some((r) => r.headers['hourmeter-event-type'] === 'workorder.created'), { timeoutMs: 20_000 });

    // The delivery log shows it succeeded; a redelivery sends it again and counts the attempt.
    const log = page.getByRole('region', { name: /Delivery log/ });
    const delivery = log.getByRole('row').filter({ hasText: 'workorder.created' });
    await expect.poll(async () => {
      await page.reload();
      // The log loads after the page: count its rows once it has them, not before.
      await delivery.first().waitFor({ timeout: 5_000 }).catch(() => undefined);
      return delivery.filter({ hasText: 'succeeded' }).count();
    }, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => delivery.getByRole('cell', { name: 'HTTP 200' }).count()).toBe(1);
    const before = receiver.received.length;
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => delivery.getByRole('cell', { name: '2', exact: true }).count(), { timeout: 10_000 }).toBe(1);
    expect(receiver.received.length).toBe(before + 1);
    expect(receiver.received.at(-1)!.headers['hourmeter-event-type']).toBe('workorder.created');

    // E-mail: the admin adds a recipient and changes one rule from the role default.
    const add = page.getByRole('form', { name: 'Add e-mail recipient' });
    await add.getByLabel('Name').fill('Ada Account');
    await add.getByLabel('E-mail').fill('ada@integrations.test');
    await add.getByLabel('Role').selectOption('account-manager');
    await add.getByRole('button', { name: 'Add recipient' }).click();
    const sla = page.getByLabel('contract.sla_at_risk for Ada Account');
    await expect.poll(() => sla.inputValue(), { timeout: 10_000 }).toBe('immediate');
    await page.getByLabel('reserve.warning for Ada Account').selectOption('digest');
    await expect.poll(async () => (await call<{ items: { email: string; preferences: Record<string, string> }[] }>('GET', '/notification-recipients')).items.find((r) => r.email === 'ada@integrations.test')?.preferences).toEqual({ 'reserve.warning': 'digest' });
    // The one error the walk provokes: the refused private-address subscription (400).
    const unexpected = errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
    expect(unexpected, `console errors:\n${unexpected.join('\n')}`).toEqual([]);
    errors.length = 0;
  }, 120_000);

  it('lets a person signed in with a password choose their own e-mail rules', async () => {
    await call('POST', '/users', { name: 'Abe Account', email: 'abe@integrations.test', role: 'account-manager', password: 'abe-account-password' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('abe@integrations.test', 'abe-account-password');
    await page.getByRole('link', { name: 'E-mail' }).click();
    await page.getByText('abe@integrations.test').waitFor();
    const invoice = page.getByLabel('invoice.issued for me');
    expect(await invoice.inputValue()).toBe('immediate'); // the account manager's default
    await invoice.selectOption('off');
    await expect.poll(async () => {
      const r = (await call<{ items: { email: string; preferences: Record<string, string> }[] }>('GET', '/notification-recipients')).items.find((x) => x.email === 'abe@integrations.test');
      return r?.preferences;
    }).toEqual({ 'invoice.issued': 'off' });
    await page.reload();
    await expect.poll(() => page.getByLabel('invoice.issued for me').inputValue()).toBe('off');
    expect(errors, `console errors:\n${errors.join('\n')}`).toEqual([]);
  }, 60_000);
});
