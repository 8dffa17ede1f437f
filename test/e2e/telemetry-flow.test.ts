import { loadConfig } from '@hourmeter/runtime';
import { buildServer, type ServerHandle } from '@hourmeter/server';
import { tempDir, waitFor } from '@hourmeter/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_flow_admin_key_0123456789';
const H = 3_600_000;

/**
 * The whole embedded process, built in-process by buildServer (the same
 * builder `npm start` uses; start.test.ts covers the process itself): a device provisioned through the API connects
 * over MQTT (TCP and WebSocket), publishes, and the API shows its status,
 * counters, telemetry and operating hours.
 */
describe('device -> broker -> ingest -> store -> hour meter -> API', () => {
  const dir = tempDir();
  let info: ServerHandle;
  let devices: { username: string; password: string; assetId: string; model: string }[];

  const api = async (path: string) => {
    const res = await fetch(`${info.address}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    return (await res.json());
  };

  beforeAll(async () => {
    info = await buildServer(
      loadConfig({
        HM_DATA_DIR: dir.path,
        HM_ADMIN_KEY: ADMIN_KEY,
        HM_HOUR_METER_INTERVAL_MS: '100',
        HM_SCHEDULE_INTERVAL_MS: '200',
        HM_HTTP_HOST: '127.0.0.1',
        HM_HTTP_PORT: '0',
        HM_MQTT_HOST: '127.0.0.1',
        HM_MQTT_PORT: '0',
        HM_LOG_LEVEL: 'silent',
      }),
    );
    devices = await provision();
  });

  /** A pump (running flag) and a gearbox (hours counter), each with a device, through the API. */
  async function provision(): Promise<typeof devices> {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${info.address}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string } & Record<string, unknown>;
    };
    const customer = await post('/customers', { name: 'Flow Foods', currency: 'EUR' });
    const site = await post('/sites', { customerId: customer.id, name: 'Plant' });
    const out: typeof devices = [];
    for (const [code, runningRule] of [
      ['FLOW-PUMP', { kind: 'boolean', metric: 'running' }],
      ['FLOW-GBX', { kind: 'counter', metric: 'operating_hours', unit: 'hours' }],
    ] as const) {
      const model = await post('/asset-models', { code, name: code, runningRule, maxGapSeconds: 900 });
      const asset = await post('/assets', { serialNumber: `${code}-1`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' });
      const { credentials } = (await post('/devices', { assetId: asset.id })) as unknown as { credentials: { username: string; password: string } };
      out.push({ ...credentials, assetId: asset.id, model: code });
    }
    return out;
  }

  afterAll(async () => {
    await info.close();
    dir.cleanup();
  });

  it('stores readings, counts them, meters hours and reports rejections on the errors topic', async () => {
    const pump = devices.find((d) => d.model === 'FLOW-PUMP')!;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${info.mqttPort}`, {
      username: pump.username,
      password: pump.password,
      clientId: pump.username,
    });
    const errors: unknown[] = [];
    client.on('message', (_t, payload) => errors.push(JSON.parse(payload.toString())));
    await client.subscribeAsync(`hm/v1/${pump.username}/errors`, { qos: 0 });

    const status = (await api(`/api/v1/devices/${pump.username}/status`)) as { online: boolean };
    expect(status.online).toBe(true);

    // Two hours of one-minute readings from yesterday, sent as an offline backlog, running the first 90 minutes.
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000 + 6 * H;
    const backlog = Array.from({ length: 120 }, (_, i) => ({ ts: start + i * 60_000, seq: i, metrics: { running: i < 90, vibration_rms: 1 + i / 100 } }));
    await client.publishAsync(`hm/v1/${pump.username}/telemetry`, JSON.stringify(backlog), { qos: 1 });
    await client.publishAsync(`hm/v1/${pump.username}/telemetry`, JSON.stringify({ ts: start, metrics: { 'Not Valid': 1 } }), { qos: 1 });
    await client.publishAsync(`hm/v1/${pump.username}/telemetry`, JSON.stringify(backlog.slice(0, 10)), { qos: 1 });

    await waitFor('the rejection notice', () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: expect.any(String) });

    const counters = (await api(`/api/v1/devices/${pump.username}/ingest`)) as { accepted: number; duplicates: number; rejected: Record<string, number> };
    expect(counters.accepted).toBe(120);
    expect(counters.duplicates).toBe(10);
    expect(Object.values(counters.rejected).reduce((a, b) => a + b, 0)).toBe(1);

    const day = new Date(start).toISOString().slice(0, 10);
    let hours: { days: { day: string; hours: number }[] } = { days: [] };
    await waitFor('the hour meter', async () => {
      hours = (await api(`/api/v1/assets/${pump.assetId}/operating-hours?from=${day}&to=${day}`)) as typeof hours;
      return hours.days[0]?.hours === 1.5;
    }, { timeoutMs: 15_000 });
    expect(hours.days[0]).toMatchObject({ day, hours: 1.5 });

    const series = (await api(`/api/v1/assets/${pump.assetId}/telemetry?metrics=vibration_rms&from=${start}&to=${start + 2 * H}&step=1h&agg=max`)) as {
      series: { points: [number, number][] }[];
    };
    expect(series.series[0]!.points).toEqual([
      [start, backlog[59]!.metrics.vibration_rms],
      [start + H, backlog[119]!.metrics.vibration_rms],
    ]);
    await client.endAsync();
    await waitFor('offline status', async () => ((await api(`/api/v1/devices/${pump.username}/status`)) as { online: boolean }).online === false);
  });

  it('accepts MQTT over WebSocket on /mqtt and refuses a wrong secret', async () => {
    const gbx = devices.find((d) => d.model === 'FLOW-GBX')!;
    const ws = await mqtt.connectAsync(info.mqttWebSocket!, { username: gbx.username, password: gbx.password, clientId: gbx.username });
    await ws.publishAsync(`hm/v1/${gbx.username}/telemetry`, JSON.stringify({ ts: Date.now() - 1000, metrics: { operating_hours: 12.5 } }), { qos: 1 });
    await waitFor('the reading via WebSocket', async () => ((await api(`/api/v1/devices/${gbx.username}/ingest`)) as { accepted: number }).accepted === 1);
    await ws.endAsync();

    const wrong = mqtt.connect(`mqtt://127.0.0.1:${info.mqttPort}`, { username: gbx.username, password: 'wrong', clientId: gbx.username, reconnectPeriod: 0 });
    const refused = await new Promise<Error>((resolve) => wrong.once('error', resolve));
    expect(refused.message).toMatch(/bad username or password/i);
    wrong.end(true);
  });

  it('closes a live connection at once when its secret is rotated or the device revoked through the API', async () => {
    const pump = devices.find((d) => d.model === 'FLOW-PUMP')!;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${info.address}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(res.status).toBeLessThan(300);
      return (await res.json()) as { device: { id: string }; credentials: { username: string; password: string } };
    };
    const { credentials } = await call('POST', '/devices', { assetId: pump.assetId });
    const connectWith = async (password: string) => {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${info.mqttPort}`, { username: credentials.username, password, clientId: credentials.username, reconnectPeriod: 0 });
      const state = { closed: false };
      c.once('close', () => (state.closed = true));
      return { c, state };
    };
    // Sooner than the broker's periodic re-check (10 s): the API tells the broker in the same process.
    const promptly = { timeoutMs: 5_000 };

    const first = await connectWith(credentials.password);
    const rotated = await call('POST', `/devices/${credentials.username}/rotate-secret`);
    await waitFor('the connection made with the old secret closed', () => first.state.closed, promptly);

    const second = await connectWith(rotated.credentials.password);
    await call('POST', `/devices/${credentials.username}/revoke`);
    await waitFor('the revoked device disconnected', () => second.state.closed, promptly);
    await expect(connectWith(rotated.credentials.password)).rejects.toThrow(/not authorized/i);
  });

  it('opens the preventive order of a due maintenance schedule by itself', async () => {
    const pump = devices.find((d) => d.model === 'FLOW-PUMP')!;
    const res = await fetch(`${info.address}/api/v1/maintenance-schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      // Last done 40 days ago, due every 30 days: due now.
      body: JSON.stringify({ assetId: pump.assetId, failureMode: 'lubrication', intervalDays: 30, lastDoneAt: Date.now() - 40 * 86_400_000 }),
    });
    expect(res.status).toBe(201);
    let orders: { kind: string; failureMode?: string; state: string }[] = [];
    await waitFor('the scheduler to open the order', async () => {
      orders = ((await api(`/api/v1/work-orders?assetId=${pump.assetId}`)) as { items: typeof orders }).items;
      return orders.length > 0;
    });
    expect(orders).toEqual([expect.objectContaining({ kind: 'preventive', failureMode: 'lubrication', state: 'open' })]);
  });
});
