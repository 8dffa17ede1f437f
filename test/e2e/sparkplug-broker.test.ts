import { loadConfig } from '@hourmeter/runtime';
import { buildServer, type ServerHandle } from '@hourmeter/server';
import { decodeSparkplug, encodeSparkplug } from '@hourmeter/sparkplug';
import { metricValue, tempDir, waitFor } from '@hourmeter/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_sparkplug_admin_key_012345';
type Payload = Parameters<typeof encodeSparkplug>[0];

/**
 * A Sparkplug B edge node simulated over real TCP (mqtt.js, sparkplug-payload
 * encoding) against Hourmeter's own broker in the whole embedded process
 * (SQLite + DuckDB files): births, aliased data of the node and of a device
 * behind it, a malformed payload, an unknown alias, the rebirth request that
 * follows, deaths (published and as MQTT will) in the device status.
 */
describe('Sparkplug B edge node on Hourmeter\'s broker', () => {
  const dir = tempDir();
  let info: ServerHandle;
  let device = { username: '', password: '', assetId: '' };
  let other = { username: '', password: '' };
  const clients: MqttClient[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${info.address}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const status = async () => (await call('GET', `/devices/${device.username}/status`)) as { online: boolean; disconnectedAt: number | null };
  const sparkplug = (kind: string) => metricValue(info.address, `hourmeter_broker_sparkplug_total{kind="${kind}"}`);

  beforeAll(async () => {
    info = await buildServer(
      loadConfig({ HM_DATA_DIR: dir.path, HM_ADMIN_KEY: ADMIN_KEY, HM_HTTP_HOST: '127.0.0.1', HM_HTTP_PORT: '0', HM_MQTT_HOST: '127.0.0.1', HM_MQTT_PORT: '0', HM_LOG_LEVEL: 'silent' }),
    );
    const customer = await call('POST', '/customers', { name: 'Spark Foods', currency: 'EUR' });
    const site = await call('POST', '/sites', { customerId: customer.id, name: 'Plant' });
    const model = await call('POST', '/asset-models', { code: 'SPB-PUMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    const asset = async (serialNumber: string) => (await call('POST', '/assets', { serialNumber, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' })).id as string;
    const assetId = await asset('SPB-1');
    device = { ...((await call('POST', '/devices', { assetId })).credentials as typeof device), assetId };
    other = (await call('POST', '/devices', { assetId: await asset('SPB-2') })).credentials as typeof other;
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await info.close();
    dir.cleanup();
  });

  const edgeNode = async (creds: { username: string; password: string }, bdSeq: number) => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${info.mqttPort}`, {
      clientId: creds.username,
      username: creds.username,
      password: creds.password,
      reconnectPeriod: 0,
      // Sparkplug 3.0: the NDEATH is the MQTT will, carrying the session's bdSeq.
      will: { topic: `spBv1.0/plant1/NDEATH/${creds.username}`, payload: encodeSparkplug({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq }] }), qos: 1, retain: false },
    });
    clients.push(c);
    return c;
  };

  it('stores births and aliased data of the node and its devices, counts what it cannot use, and asks for a rebirth', async () => {
    const edge = await edgeNode(device, 0);
    const commands: { topic: string; payload: ReturnType<typeof decodeSparkplug> }[] = [];
    edge.on('message', (topic, payload) => commands.push({ topic, payload: decodeSparkplug(payload) }));
    expect((await edge.subscribeAsync(`spBv1.0/plant1/NCMD/${device.username}`, { qos: 0 }))[0]!.qos).toBe(0);
    // Another edge node's commands are not its business.
    await expect(edge.subscribeAsync(`spBv1.0/plant1/NCMD/${other.username}`, { qos: 0 })).rejects.toThrow();

    const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const publish = (type: string, payload: Payload | Buffer, sub?: string) =>
      edge.publishAsync(`spBv1.0/plant1/${type}/${device.username}${sub ? `/${sub}` : ''}`, Buffer.isBuffer(payload) ? payload : encodeSparkplug(payload), { qos: 1 });
    await publish('NBIRTH', { timestamp: T0, seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }, { name: 'Motor/Temp', alias: 1, type: 'Double', value: 40.5 }, { name: 'Running', alias: 2, type: 'Boolean', value: true }] });
    await publish('DBIRTH', { timestamp: T0, seq: 1, metrics: [{ name: 'Flow', alias: 3, type: 'Float', value: 12.5 }] }, 'Pump 1');
    // Alias 99 was defined by no birth: counted, the rest stored, a rebirth asked for.
    await publish('NDATA', { timestamp: T0 + 1000, seq: 2, metrics: [{ alias: 1, type: 'Double', value: 41 }, { alias: 99, type: 'Double', value: 5 }, { alias: 2, type: 'Boolean', value: false }] });
    await publish('DDATA', Buffer.from('definitely not protobuf'), 'Pump 1');
    await publish('DDATA', { timestamp: T0 + 2000, seq: 3, metrics: [{ alias: 3, type: 'Float', value: 13.5 }] }, 'Pump 1');

    await waitFor('the rebirth request on NCMD', () => commands.length === 1);
    expect(commands[0]!.topic).toBe(`spBv1.0/plant1/NCMD/${device.username}`);
    expect(commands[0]!.payload.metrics).toMatchObject([{ name: 'Node Control/Rebirth', value: true }]);

    const points = async (metric: string) => {
      const r = (await call('GET', `/assets/${device.assetId}/telemetry?metrics=${encodeURIComponent(metric)}&from=${T0}&to=${T0 + 10_000}`)) as { series: { points: [number, number][] }[] };
      return (r.series[0]?.points ?? []).map(([ts, v]) => [ts - T0, v]);
    };
    await waitFor('the readings in the telemetry store', async () => (await points('pump_1.flow')).length === 2);
    expect(await points('motor.temp')).toEqual([[0, 40.5], [1000, 41]]);
    expect(await points('running')).toEqual([[0, 1], [1000, 0]]);
    expect(await points('pump_1.flow')).toEqual([[0, 12.5], [2000, 13.5]]);
    expect(await sparkplug('malformed')).toBe(1);
    expect(await sparkplug('unknownAliases')).toBe(1);
    expect(await sparkplug('rebirthRequests')).toBe(1);
    // Readings (one per message and timestamp): NBIRTH, DBIRTH, NDATA, DDATA.
    expect(await sparkplug('accepted')).toBe(4);
  });

  it('refuses Sparkplug topics of another edge node (the connection is closed)', async () => {
    const intruder = await edgeNode(other, 0);
    const closed = new Promise<void>((r) => intruder.once('close', () => r()));
    intruder.publish(`spBv1.0/plant1/NDATA/${device.username}`, encodeSparkplug({ timestamp: Date.now(), seq: 0, metrics: [{ name: 'Running', type: 'Boolean', value: true }] }), { qos: 1 });
    await closed;
    expect(await metricValue(info.address, 'hourmeter_broker_denied_total{kind="publish"}')).toBe(1);
  });

  it('shows deaths in the device status: a published NDEATH, a rebirth, and the will when the connection drops', async () => {
    const edge = clients[0]!;
    const publish = (type: string, payload: Payload) => edge.publishAsync(`spBv1.0/plant1/${type}/${device.username}`, encodeSparkplug(payload), { qos: 1 });
    expect((await status()).online).toBe(true);
    // A death of an older session (bdSeq 7) does not end this one (bdSeq 0).
    await publish('NDEATH', { metrics: [{ name: 'bdSeq', type: 'Int64', value: 7 }] });
    expect((await status()).online).toBe(true);
    await publish('NDEATH', { metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }] });
    // The MQTT connection is still open; the Sparkplug session is over.
    expect(edge.connected).toBe(true);
    await waitFor('offline after NDEATH', async () => (await status()).online === false);
    expect((await status()).disconnectedAt).toEqual(expect.any(Number));

    await publish('NBIRTH', { timestamp: Date.now(), seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }, { name: 'Running', alias: 2, type: 'Boolean', value: true }] });
    await waitFor('online after the rebirth', async () => (await status()).online === true);

    // The edge node's network goes: the broker publishes its will (NDEATH bdSeq 0).
    const deaths = await sparkplug('deaths');
    edge.stream.destroy();
    await waitFor('offline after the will', async () => (await status()).online === false);
    await waitFor('the will counted as a death', async () => (await sparkplug('deaths')) === deaths + 1);
  });
});
