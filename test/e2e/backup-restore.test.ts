import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { listening, startServer, stopServers, tempDir, waitFor, type Listening, type ServerProcess } from '@hourmeter/testkit';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_backup_admin_key_0123456789';
const ROOT = join(import.meta.dirname, '../..');
const H = 3_600_000;
const NOV_1 = Date.UTC(2026, 10, 1);

/** Runs one of the npm scripts' entry points as `npm run <name> -- <arg>` would. */
function runCli(script: string, arg: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `services/server/src/cli/${script}.ts`, arg], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/**
 * Backup and restore of the embedded default (issue 22, item 8): a backup
 * taken while a device publishes restores into an empty data directory with
 * the same invoices, operating hours and readings, and every reading
 * acknowledged before the backup started.
 */
describe('npm run backup / npm run restore', () => {
  const original = tempDir();
  const restored = tempDir();
  const backup = tempDir();
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;

  afterAll(async () => {
    await stopServers(a, b);
    for (const d of [original, restored, backup]) d.cleanup();
  });

  const api = (info: Listening) => async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${info.address}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  it('restores the same invoices, hours and readings from a backup taken under load', async () => {
    a = startServer({ HM_DATA_DIR: original.path, HM_ADMIN_KEY: ADMIN_KEY, HM_HOUR_METER_INTERVAL_MS: '100' });
    const infoA = await listening(a, 40_000);
    const call = api(infoA);
    const customer = await call<{ id: string }>('POST', '/customers', { name: 'Backup Bakery', currency: 'EUR' });
    const site = await call<{ id: string }>('POST', '/sites', { customerId: customer.id, name: 'Oven hall' });
    const model = await call<{ id: string }>('POST', '/asset-models', { code: 'OVEN', name: 'Oven', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    const asset = await call<{ id: string }>('POST', '/assets', { serialNumber: 'OVEN-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' });
    const { credentials } = await call<{ credentials: { username: string; password: string } }>('POST', '/devices', { assetId: asset.id });
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${infoA.mqttPort}`, { username: credentials.username, password: credentials.password, clientId: credentials.username });
    const topic = `hm/v1/${credentials.username}/telemetry`;

    // Three days of November, running 20 of every 24 hours, every 10 minutes.
    const history = Array.from({ length: 3 * 144 }, (_, i) => ({ ts: NOV_1 + i * 600_000, seq: i, metrics: { running: i % 144 < 120, temp_c: 180 + (i % 7) } }));
    for (let i = 0; i < history.length; i += 144) await device.publishAsync(topic, JSON.stringify(history.slice(i, i + 144)), { qos: 1 });
    const hoursOf = (c: typeof call) => c<{ days: { day: string; hours: number }[] }>('GET', `/assets/${asset.id}/operating-hours?from=2026-11-01&to=2026-11-03`);
    await waitFor('November metered', async () => (await hoursOf(call)).days.filter((d) => d.hours === 20).length === 3, { timeoutMs: 20_000 });

    await call('POST', '/contracts', {
      customerId: customer.id, assetIds: [asset.id], startsOn: '2026-11-01', endsOn: '2027-10-31', currency: 'EUR',
      terms: { kind: 'pbh', ratePerHourMinor: 4_500, availabilityGuaranteePercent: 95, creditSchedule: { percentPerStep: 1, capPercent: 5 } },
    });
    let run = await call<{ id: string; status: string; result: { outcomes: { invoiceId: string }[] } }>('POST', '/invoice-runs', { period: '2026-11' });
    await waitFor('the invoice run', async () => (run = await call('GET', `/invoice-runs/${run.id}`)).status !== 'running', { timeoutMs: 20_000 });
    expect(run.status).toBe('succeeded');
    await call('POST', `/invoices/${run.result.outcomes[0]!.invoiceId}/issue`);

    // Steady load while the backup runs: one reading per publish, each acknowledged (QoS 1) before the next.
    const loadStart = Date.now() - 10 * 60_000;
    let acked = 0;
    let publishing = true;
    const load = (async () => {
      while (publishing) {
        await device.publishAsync(topic, JSON.stringify({ ts: loadStart + acked * 100, seq: 1_000_000 + acked, metrics: { running: true, temp_c: 200 } }), { qos: 1 });
        acked++;
      }
    })();
    await waitFor('load running', () => acked > 200);
    const ackedBeforeBackup = acked;
    const taken = await runCli('backup', backup.path, { HM_API_URL: infoA.address, HM_API_KEY: ADMIN_KEY });
    expect(taken.code, taken.out).toBe(0);
    expect(taken.out).toMatch(/^backup: \d+ files, \d+ bytes in /m);
    expect(acked, 'devices kept publishing during the backup').toBeGreaterThan(ackedBeforeBackup);
    publishing = false;
    await load;

    const before = {
      invoices: await call<{ items: unknown[] }>('GET', '/invoices'),
      hours: await hoursOf(call),
      readings: await call('GET', `/assets/${asset.id}/telemetry?metrics=running,temp_c&from=${NOV_1}&to=${NOV_1 + 48 * H}`),
    };
    await device.endAsync();
    await stopServers(a);

    // An existing data directory is refused.
    const refused = await runCli('restore', backup.path, { HM_DATA_DIR: original.path });
    expect(refused.code, refused.out).toBe(2);
    const restoredRun = await runCli('restore', backup.path, { HM_DATA_DIR: join(restored.path, 'data') });
    expect(restoredRun.code, restoredRun.out).toBe(0);
    expect(restoredRun.out).toMatch(/^restore: \d+ files into .*, operating hours recomputed for 1 assets from /m);

    b = startServer({ HM_DATA_DIR: join(restored.path, 'data'), HM_ADMIN_KEY: ADMIN_KEY, HM_HOUR_METER_INTERVAL_MS: '100' });
    const infoB = await listening(b, 40_000);
    const callB = api(infoB);
    expect(await callB('GET', '/invoices')).toEqual(before.invoices);
    expect(before.invoices.items).toHaveLength(1);
    // The days metered before the backup (lifetime hours also count the load's readings after it, which the backup cannot hold).
    expect((await hoursOf(callB)).days).toEqual(before.hours.days);
    expect(await callB('GET', `/assets/${asset.id}/telemetry?metrics=running,temp_c&from=${NOV_1}&to=${NOV_1 + 48 * H}`)).toEqual(before.readings);
    // Every reading acknowledged before the backup started is there (from the store or, drained after the start, the spool).
    await waitFor('acknowledged readings restored', async () => {
      const got = await callB<{ series: { metric: string; points: [number, number][] }[] }>('GET', `/assets/${asset.id}/telemetry?metrics=temp_c&from=${loadStart}&to=${loadStart + ackedBeforeBackup * 100}`);
      return (got.series[0]?.points.length ?? 0) === ackedBeforeBackup;
    }, { timeoutMs: 20_000 });
  }, 240_000);
});
