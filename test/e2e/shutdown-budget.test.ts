import { listening, startServer, stopServers, tempDir, type ServerProcess } from '@hourmeter/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_shutdown_admin_key_0123456789';
const BUDGET_MS = 4_000;

/**
 * Shutdown always finishes in its budget (issue 22, item 3): a revoked
 * device retrying in a loop (its attempts held by the login throttle), a
 * valid device that reconnects at once and an open live-update stream must
 * not hold it, and every hook runs.
 */
describe('graceful shutdown with devices retrying', () => {
  const dir = tempDir();
  let server: ServerProcess;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await stopServers(server);
    dir.cleanup();
  });

  it('exits 0 within HM_SHUTDOWN_TIMEOUT_MS, closing every hook', async () => {
    server = startServer({ HM_DATA_DIR: dir.path, HM_ADMIN_KEY: ADMIN_KEY, HM_SHUTDOWN_TIMEOUT_MS: String(BUDGET_MS) });
    const info = await listening(server, 40_000);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${info.address}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; credentials: { username: string; password: string } };
    };
    const customer = await call('POST', '/customers', { name: 'Stop Co', currency: 'EUR' });
    const site = await call('POST', '/sites', { customerId: customer.id, name: 'Plant' });
    const model = await call('POST', '/asset-models', { code: 'STOP-PUMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    const creds = [];
    for (const serial of ['STOP-1', 'STOP-2']) {
      const asset = await call('POST', '/assets', { serialNumber: serial, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' });
      creds.push((await call('POST', '/devices', { assetId: asset.id })).credentials);
    }
    const [valid, gone] = creds as [{ username: string; password: string }, { username: string; password: string }];
    await call('POST', `/devices/${gone.username}/revoke`);

    const url = `mqtt://127.0.0.1:${info.mqttPort}`;
    const opts = (c: { username: string; password: string }) => ({ clientId: c.username, username: c.username, password: c.password, connectTimeout: 30_000 });
    // The valid device (over WebSocket on the HTTP port) reconnects 50 ms after
    // losing its connection; the revoked one retries from eight connections, TCP and WebSocket.
    const device = mqtt.connect(info.mqttWebSocket!, { ...opts(valid), reconnectPeriod: 50 });
    clients.push(device);
    await new Promise<void>((r) => device.once('connect', () => r()));
    for (let i = 0; i < 8; i++) {
      const c = mqtt.connect(i % 2 ? url : info.mqttWebSocket!, { ...opts(gone), reconnectPeriod: 50 });
      c.on('error', () => undefined);
      clients.push(c);
    }
    const stream = await fetch(`${info.address}/api/v1/events`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(stream.status).toBe(200);
    // Let the revoked unit build up throttle delays before the shutdown.
    await new Promise((r) => setTimeout(r, 4_000));

    const started = Date.now();
    server.child.kill('SIGTERM');
    const code = await server.exited;
    const took = Date.now() - started;
    const lines = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const begun = lines.find((l) => l.msg === 'shutting down');
    const complete = lines.find((l) => l.msg === 'shutdown complete');
    expect(code, server.output().slice(-3000)).toBe(0);
    expect(took, server.output().slice(-3000)).toBeLessThan(BUDGET_MS);
    expect(complete).toMatchObject({ failed: false, closed: begun?.hooks });
  }, 120_000);
});
