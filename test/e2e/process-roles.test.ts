import { randomBytes } from 'node:crypto';
import { listening, pgDatabase, startServer as start, stopServers, tempDir, waitFor, type ServerProcess as Proc } from '@hourmeter/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_roles_admin_key_0123456789';
const SERVICE_SECRET = 'hm_e2e_roles_service_secret_0123456789';
const H = 3_600_000;

const postgresUrl = inject('postgresUrl');
const influxUrl = inject('influxUrl');

describe('HM_ROLE validation', () => {
  it('refuses a split role on the embedded stores, naming the variables (exit 2)', async () => {
    const p = start({ HM_ROLE: 'edge', HM_SERVICE_SECRET: SERVICE_SECRET });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('DATABASE_URL');
    expect(p.output()).toContain('HM_TELEMETRY_STORE');
    expect(p.output()).toMatch(/cannot be shared between processes/);
  });

  it('refuses an unknown role (exit 2)', async () => {
    const p = start({ HM_ROLE: 'worker' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('HM_ROLE');
  });
});

/**
 * An `edge` process (broker, ingest, hour meter, prediction) and an `api`
 * process against one PostgreSQL database and one InfluxDB database: a device
 * provisioned through the api process sends telemetry to the edge process,
 * the api process shows it, and completing a work order there delivers the
 * maintenance command to the device on the edge process.
 */
describe.skipIf(!postgresUrl || !influxUrl)(
  'edge + api processes on the shared stores (PostgreSQL + influxd from the test run; skipped without Debian packages `postgresql`, `influxdb`)',
  () => {
    const edgeDir = tempDir();
    const apiDir = tempDir();
    const influxDb = `hm_${randomBytes(6).toString('hex')}`;
    let database: { url: string; drop: () => Promise<void> };
    let edge: Proc;
    let api: Proc;
    let edgeInfo: { address: string; mqttPort?: number };
    let apiAddress = '';

    const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, expected = 200): Promise<T> => {
      const res = await fetch(`${apiAddress}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    beforeAll(async () => {
      database = await pgDatabase(postgresUrl);
      const q = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${influxDb}` }) });
      expect(q.ok).toBe(true);
      const shared = {
        DATABASE_URL: database.url,
        HM_TELEMETRY_STORE: 'influxdb',
        INFLUX_URL: influxUrl,
        INFLUX_VERSION: '1',
        INFLUX_BUCKET: influxDb,
        HM_SERVICE_SECRET: SERVICE_SECRET,
        HM_HOUR_METER_INTERVAL_MS: '100',
      };
      // The edge first: it migrates the empty database; the api then finds it current.
      edge = start({ ...shared, HM_ROLE: 'edge', HM_DATA_DIR: edgeDir.path, HM_NODE_ID: 'edge-1' });
      edgeInfo = await listening(edge).catch((e: unknown) => {
        throw new Error(`${String(e)}\n--- edge output ---\n${edge.output().slice(-3000)}`);
      });
      api = start({
        ...shared,
        HM_ROLE: 'api',
        HM_DATA_DIR: apiDir.path,
        HM_ADMIN_KEY: ADMIN_KEY,
        HM_MQTT_URL: `mqtt://127.0.0.1:${edgeInfo.mqttPort}`,
      });
      apiAddress = (await listening(api)).address;
      await waitFor('the api process healthy (service link up)', async () => (await fetch(`${apiAddress}/health`)).status === 200, { timeoutMs: 15_000 });
    }, 90_000);

    afterAll(async () => {
      await stopServers(api, edge);
      await database?.drop();
      if (influxUrl) await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE ${influxDb}` }) });
      edgeDir.cleanup();
      apiDir.cleanup();
    });

    it('each process serves only its part over HTTP', async () => {
      const health = await fetch(`${edgeInfo.address}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', components: { database: { status: 'up' }, broker: { status: 'up' }, ingest: { status: 'up' } } });
      expect((await fetch(`${edgeInfo.address}/metrics`)).status).toBe(200);
      expect((await fetch(`${edgeInfo.address}/api/v1/assets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(404);

      const apiHealth = (await (await fetch(`${apiAddress}/health`)).json()) as { components: Record<string, unknown> };
      expect(apiHealth.components).toMatchObject({ serviceLink: { status: 'up' } });
      expect(apiHealth.components.broker).toBeUndefined();
      expect(api.output()).not.toContain(SERVICE_SECRET);
      expect(edge.output()).not.toContain(SERVICE_SECRET);
    });

    it('provisions through api, ingests on edge, reads back through api, and delivers the completion command', async () => {
      const customer = await call('POST', '/customers', { name: 'Roles Foods', currency: 'EUR' }, 201);
      const site = await call('POST', '/sites', { customerId: customer.id, name: 'Plant' }, 201);
      const model = await call(
        'POST',
        '/asset-models',
        { code: 'ROLE-PUMP', name: 'Role pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 },
        201,
      );
      const asset = await call('POST', '/assets', { serialNumber: 'ROLE-PUMP-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' }, 201);
      const { credentials } = await call<{ credentials: { username: string; password: string } }>('POST', '/devices', { assetId: asset.id }, 201);
      const deviceId = credentials.username;

      // The api's live stream shows what happens on the edge (events travel over MQTT).
      const live = await fetch(`${apiAddress}/api/v1/events?types=device.connected`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(live.status).toBe(200);
      const reader = live.body!.getReader();
      let stream = '';
      const pumpStream = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          stream += new TextDecoder().decode(value);
        }
      })();

      // The device connects to the edge process.
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${edgeInfo.mqttPort}`, {
        username: deviceId,
        password: credentials.password,
        clientId: deviceId,
      });
      const commands: Record<string, unknown>[] = [];
      device.on('message', (topic, payload) => {
        if (topic === `hm/v1/${deviceId}/commands`) commands.push(JSON.parse(payload.toString()) as Record<string, unknown>);
      });
      await device.subscribeAsync(`hm/v1/${deviceId}/commands`, { qos: 1 });
      await waitFor('the edge device.connected event on the api stream', () => stream.includes(deviceId));
      expect(stream).toMatch(/event: device\.connected/);
      await reader.cancel();
      await pumpStream.catch(() => undefined);

      // Two hours of one-minute readings from yesterday, running the first 90 minutes.
      const from = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000 + 6 * H;
      const backlog = Array.from({ length: 120 }, (_, i) => ({ ts: from + i * 60_000, seq: i, metrics: { running: i < 90, vibration_rms: 1 + i / 100 } }));
      await device.publishAsync(`hm/v1/${deviceId}/telemetry`, JSON.stringify(backlog), { qos: 1 });

      // The edge node records the connection in the database: the api process shows it.
      type Status = { online: boolean; clientAddress: string | null; transport: string | null; connectedSince: number | null };
      let status: Status | undefined;
      await waitFor('the connection recorded by the edge node, through the api process', async () => {
        status = await call<Status>('GET', `/devices/${deviceId}/status`);
        return status.online;
      });
      expect(status).toMatchObject({ clientAddress: expect.stringContaining('127.0.0.1'), transport: 'tcp' });
      // Ingest counters live on the edge node: the api process says so.
      expect((await fetch(`${apiAddress}/api/v1/devices/${deviceId}/ingest`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(503);

      const day = new Date(from).toISOString().slice(0, 10);
      let hours: { days: { day: string; hours: number }[] } = { days: [] };
      await waitFor(
        'operating hours through the api process',
        async () => {
          hours = await call('GET', `/assets/${asset.id}/operating-hours?from=${day}&to=${day}`);
          return hours.days[0]?.hours === 1.5;
        },
        { timeoutMs: 20_000 },
      );
      expect(hours.days[0]).toMatchObject({ day, hours: 1.5 });
      const series = await call<{ series: { points: [number, number][] }[] }>(
        'GET',
        `/assets/${asset.id}/telemetry?metrics=vibration_rms&from=${from}&to=${from + 2 * H}&step=1h&agg=max`,
      );
      expect(series.series[0]!.points).toEqual([
        [from, backlog[59]!.metrics.vibration_rms],
        [from + H, backlog[119]!.metrics.vibration_rms],
      ]);

      // A work order completed through the api process reaches the device on the edge process.
      for (const c of [
        { kind: 'symptom', code: 'VIB-HIGH', description: 'High vibration' },
        { kind: 'cause', code: 'BRG-WEAR', description: 'Bearing wear' },
        { kind: 'remedy', code: 'BRG-REPLACE', description: 'Bearing replaced' },
      ]) {
        await call('PUT', `/asset-models/${model.id}/failure-codes`, c);
      }
      const order = await call<{ id: string }>('POST', '/work-orders', { kind: 'corrective', assetId: asset.id, failureMode: 'bearing_wear' }, 201);
      const now = Date.now();
      await call('POST', `/work-orders/${order.id}/schedule`, { technician: 'Kari Nordmann', windowFrom: now, windowTo: now + 4 * H });
      await call('POST', `/work-orders/${order.id}/start`);
      const completed = await call<{ workOrder: { state: string } }>('POST', `/work-orders/${order.id}/complete`, {
        symptomCode: 'VIB-HIGH',
        causeCode: 'BRG-WEAR',
        remedyCode: 'BRG-REPLACE',
        responsibleDepartment: 'customer_use',
        labourHours: 1,
        downtimeFrom: now - H,
        downtimeTo: now,
        fixedOnFirstVisit: true,
      });
      expect(completed.workOrder.state).toBe('completed');
      await waitFor('the maintenance command on the device', () => commands.length > 0, { timeoutMs: 10_000 });
      expect(commands[0]).toEqual({ type: 'maintenance.completed', workOrderId: order.id, failureMode: 'bearing_wear' });
      await device.endAsync();
      await waitFor('the end of the connection, through the api process', async () => !(await call<{ online: boolean }>('GET', `/devices/${deviceId}/status`)).online);
    }, 60_000);
  },
);
