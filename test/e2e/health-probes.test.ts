import { findOnPath, listening, startInfluxd, startServer, stopServers, tempDir, waitFor, type Listening, type RunningServer, type ServerProcess } from '@hourmeter/testkit';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_health_admin_key_0123456789';

/**
 * Health that tells the truth (issue 22, item 2): under a flood of malformed
 * payloads beside good readings, readiness stays up while the telemetry store
 * works, and goes down once the store is really stopped; liveness stays up.
 */
async function provisionDevice(address: string): Promise<{ username: string; password: string }> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${address}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string } & Record<string, unknown>;
  };
  const customer = await post('/customers', { name: 'Probe Works', currency: 'EUR' });
  const site = await post('/sites', { customerId: customer.id, name: 'Plant' });
  const model = await post('/asset-models', { code: 'PROBE-PUMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
  const asset = await post('/assets', { serialNumber: 'PROBE-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' });
  return ((await post('/devices', { assetId: asset.id })) as unknown as { credentials: { username: string; password: string } }).credentials;
}

/** Status of one probe request, or 0 when it did not answer within the budget a load balancer gives it. */
async function probe(address: string, path: string): Promise<number> {
  try {
    return (await fetch(`${address}${path}`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 0;
  }
}

/**
 * Publishes malformed payloads (QoS 0) and good readings (QoS 1) for
 * `durationMs` while polling /health/ready; returns every readiness status seen.
 */
async function floodWhilePolling(info: Listening, device: { username: string; password: string }, durationMs: number): Promise<{ statuses: number[]; good: number }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${info.mqttPort}`, { username: device.username, password: device.password, clientId: device.username });
  const topic = `hm/v1/${device.username}/telemetry`;
  const statuses: number[] = [];
  const until = Date.now() + durationMs;
  let good = 0;
  const polling = (async () => {
    while (Date.now() < until) {
      statuses.push(await probe(info.address, '/health/ready'));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const malformed = ['{"ts":', 'not json', '{"ts":1,"metrics":{"Bad Name":1}}', '[{"metrics":{}}]', '{"ts":"yesterday","metrics":{"a":1}}'];
  let seq = 0;
  while (Date.now() < until) {
    for (let i = 0; i < 200; i++) client.publish(topic, malformed[i % malformed.length]!, { qos: 0 });
    const ts = Date.now() - 60_000;
    const batch = Array.from({ length: 200 }, () => ({ ts, seq: seq++, metrics: { running: true, vibration_rms: 1.5 } }));
    await client.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
    good += batch.length;
  }
  await polling;
  await client.endAsync();
  return { statuses, good };
}

describe('health probes on the embedded stores under a malformed flood', () => {
  const dir = tempDir();
  let server: ServerProcess;

  afterAll(async () => {
    await stopServers(server);
    dir.cleanup();
  });

  it('keeps /health/ready and /health/live up while every good reading is stored', async () => {
    server = startServer({ HM_DATA_DIR: dir.path, HM_ADMIN_KEY: ADMIN_KEY });
    const info = await listening(server, 40_000);
    const device = await provisionDevice(info.address);
    const { statuses, good } = await floodWhilePolling(info, device, 8_000);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await probe(info.address, '/health/live')).toBe(200);
    await waitFor('every good reading stored', async () => {
      const res = await fetch(`${info.address}/api/v1/devices/${device.username}/ingest`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const counters = (await res.json()) as { accepted: number; stored?: number };
      return counters.accepted === good;
    }, { timeoutMs: 20_000 });
  }, 120_000);
});

const influxd = findOnPath('influxd');

describe.skipIf(!influxd)('health probes when the telemetry store really stops (own influxd; skipped without Debian package `influxdb`)', () => {
  const dir = tempDir();
  let server: ServerProcess;
  let influx: RunningServer | undefined;

  afterAll(async () => {
    await stopServers(server);
    await influx?.stop();
    dir.cleanup();
  });

  it('stays ready under the flood, then reports not ready (still live) once influxd is stopped', async () => {
    influx = await startInfluxd(influxd!);
    expect((await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE hm_health' }) })).ok).toBe(true);
    server = startServer({
      HM_DATA_DIR: dir.path,
      HM_ADMIN_KEY: ADMIN_KEY,
      HM_TELEMETRY_STORE: 'influxdb',
      INFLUX_URL: influx.url,
      INFLUX_VERSION: '1',
      INFLUX_BUCKET: 'hm_health',
    });
    const info = await listening(server, 40_000);
    const device = await provisionDevice(info.address);
    const { statuses } = await floodWhilePolling(info, device, 5_000);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    await influx.stop();
    influx = undefined;
    await waitFor('readiness down', async () => (await probe(info.address, '/health/ready')) === 503, { timeoutMs: 10_000 });
    const ready = (await (await fetch(`${info.address}/health/ready`)).json()) as { status: string; down: string[] };
    expect(ready).toMatchObject({ status: 'not_ready' });
    expect(ready.down).toContain('telemetryStore');
    expect(await probe(info.address, '/health/live')).toBe(200);
    const details = (await (await fetch(`${info.address}/health`)).json()) as { components: Record<string, { status: string }> };
    expect(details.components.telemetryStore?.status).toBe('down');
    expect(details.components.database?.status).toBe('up');
  }, 120_000);
});
