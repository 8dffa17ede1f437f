import { randomBytes } from 'node:crypto';
import { partitionOf } from '@hourmeter/partitions';
import {
  findOnPath,
  listening,
  metricValue,
  pgDatabase,
  startServer,
  startRedis,
  stopServers,
  tempDir,
  waitFor,
  type Listening,
  type RunningServer,
  type ServerProcess,
} from '@hourmeter/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_split_admin_key_0123456789';
const SERVICE_SECRET = 'hm_e2e_split_service_secret_0123456789';
const PARTITIONS = 4;
const LEASE_MS = 1_500;
/** Small, so that a stopped prediction worker's queues fill within seconds; large enough for a running one never to. */
const MAX_QUEUED = 50;

const postgresUrl = inject('postgresUrl');
const influxUrl = inject('influxUrl');
/** Whether redis-server is installed; the suite runs its own (partition topics are fixed names other suites use too). */
const redisInstalled = inject('redisUrl');

interface Device {
  assetId: string;
  deviceId: string;
  password: string;
}

/**
 * The split topology as separate processes on the real servers: two broker
 * nodes sharing Redis, two ingest workers, one prediction worker and an api
 * process, all on one PostgreSQL and one InfluxDB database.
 */
describe.skipIf(!postgresUrl || !influxUrl || !redisInstalled)(
  'broker x2 + ingest x2 + prediction + api processes (Redis, PostgreSQL, influxd from the test run; skipped without Debian packages `redis-server`, `postgresql`, `influxdb`)',
  () => {
    const dirs: ReturnType<typeof tempDir>[] = [];
    const influxDb = `hm_${randomBytes(6).toString('hex')}`;
    let database: { url: string; drop: () => Promise<void> };
    const procs: Record<string, ServerProcess> = {};
    const info: Record<string, Listening> = {};
    const devices: Device[] = [];
    let shared: Record<string, string>;

    const run = async (name: string, env: Record<string, string>) => {
      const dir = tempDir();
      dirs.push(dir);
      procs[name] = startServer({ ...shared, ...env, HM_DATA_DIR: dir.path, HM_NODE_ID: name });
      info[name] = await listening(procs[name]).catch((e: unknown) => {
        throw new Error(`${name}: ${String(e)}`);
      });
    };
    const mqttUrl = (broker: string) => `mqtt://127.0.0.1:${info[broker]!.mqttPort}`;
    const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, expected = 200): Promise<T> => {
      const res = await fetch(`${info.api!.address}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    /** Stored readings per asset, counted by InfluxDB itself. */
    const storedPerAsset = async (): Promise<Map<string, number>> => {
      const res = await fetch(`${influxUrl}/query?db=${influxDb}`, {
        method: 'POST',
        body: new URLSearchParams({ q: 'SELECT count("v") FROM "telemetry" GROUP BY "asset_id"' }),
      });
      const body = (await res.json()) as { results: { series?: { tags: { asset_id: string }; values: [string, number][] }[] }[] };
      return new Map((body.results[0]?.series ?? []).map((s) => [s.tags.asset_id, s.values[0]![1]]));
    };

    let redis: RunningServer;
    beforeAll(async () => {
      redis = await startRedis(findOnPath('redis-server')!);
      database = await pgDatabase(postgresUrl);
      const q = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${influxDb}` }) });
      expect(q.ok).toBe(true);
      shared = {
        DATABASE_URL: database.url,
        HM_TELEMETRY_STORE: 'influxdb',
        INFLUX_URL: influxUrl,
        INFLUX_VERSION: '1',
        INFLUX_BUCKET: influxDb,
        HM_SERVICE_SECRET: SERVICE_SECRET,
        HM_REDIS_URL: redis.url,
        HM_PARTITIONS: String(PARTITIONS),
        HM_PARTITION_LEASE_MS: String(LEASE_MS),
        HM_PARTITION_MAX_QUEUED: String(MAX_QUEUED),
      };
      // The first process migrates the empty database; the others find it current.
      await run('broker-a', { HM_ROLE: 'broker' });
      await Promise.all([
        run('broker-b', { HM_ROLE: 'broker' }),
        run('api', { HM_ROLE: 'api', HM_ADMIN_KEY: ADMIN_KEY, HM_MQTT_URL: mqttUrl('broker-a') }),
      ]);
      // Workers on different nodes than the devices publishing to their partitions.
      await Promise.all([
        run('ingest-1', { HM_ROLE: 'ingest', HM_MQTT_URL: mqttUrl('broker-a') }),
        run('ingest-2', { HM_ROLE: 'ingest', HM_MQTT_URL: mqttUrl('broker-b') }),
        run('prediction', { HM_ROLE: 'prediction', HM_MQTT_URL: mqttUrl('broker-b') }),
      ]);

      const customer = await call('POST', '/customers', { name: 'Split Foods', currency: 'EUR' }, 201);
      const site = await call('POST', '/sites', { customerId: customer.id, name: 'Plant' }, 201);
      const model = await call('POST', '/asset-models', { code: 'SPLIT-PUMP', name: 'Split pump', runningRule: { kind: 'boolean', metric: 'running' } }, 201);
      // Two assets on every partition, so every partition and both workers carry traffic.
      const perPartition = new Map<number, number>();
      for (let i = 0; devices.length < 2 * PARTITIONS; i++) {
        if (i > 200) throw new Error('could not cover every partition');
        const asset = await call<{ id: string }>('POST', '/assets', { serialNumber: `SPLIT-${i}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' }, 201);
        const p = partitionOf(asset.id, PARTITIONS);
        if ((perPartition.get(p) ?? 0) >= 2) continue;
        perPartition.set(p, (perPartition.get(p) ?? 0) + 1);
        const { credentials } = await call<{ credentials: { username: string; password: string } }>('POST', '/devices', { assetId: asset.id }, 201);
        devices.push({ assetId: asset.id, deviceId: credentials.username, password: credentials.password });
      }
      // Both ingest workers share the partitions before the first reading.
      await waitFor('both ingest workers holding partitions', async () => {
        const owned = await Promise.all(['ingest-1', 'ingest-2'].map((n) => metricValue(info[n]!.address, 'hourmeter_partitions_owned{group="ingest"}')));
        return owned[0] === PARTITIONS / 2 && owned[1] === PARTITIONS / 2;
      }, { timeoutMs: 20_000 });
    }, 180_000);

    afterAll(async () => {
      await stopServers(...Object.values(procs));
      await redis?.stop();
      await database?.drop();
      if (influxUrl) await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE ${influxDb}` }) });
      for (const d of dirs) d.cleanup();
    });

    /** Connects each device, alternating between the broker nodes. */
    async function connectDevices(): Promise<MqttClient[]> {
      return Promise.all(
        devices.map((d, i) =>
          mqtt.connectAsync(mqttUrl(i % 2 === 0 ? 'broker-a' : 'broker-b'), {
            username: d.deviceId,
            password: d.password,
            clientId: d.deviceId,
            reconnectPeriod: 0,
          }),
        ),
      );
    }

    /** A sample summed over the ingest workers still running. */
    async function liveIngestSum(sample: string): Promise<number> {
      const live = ['ingest-1', 'ingest-2'].filter((n) => procs[n]!.child.exitCode === null && procs[n]!.child.signalCode === null);
      return (await Promise.all(live.map((n) => metricValue(info[n]!.address, sample)))).reduce((a, b) => a + b, 0);
    }

    /** Waits until InfluxDB holds exactly `expected` readings per asset. */
    async function storedToReach(expected: Map<string, number>): Promise<void> {
      let now = new Map<string, number>();
      await waitFor(
        'every acknowledged reading in InfluxDB',
        async () => {
          now = await storedPerAsset();
          return devices.every((d) => now.get(d.assetId) === expected.get(d.assetId));
        },
        { timeoutMs: 30_000 },
      ).catch((err: unknown) => {
        const rows = devices.map((d) => `${d.assetId}: expected ${expected.get(d.assetId)}, stored ${now.get(d.assetId)}`);
        throw new Error(`${String(err)}\n${rows.join('\n')}`);
      });
    }

    it('kill -9 of an ingest worker mid-run: the other takes its partitions over and every acknowledged reading is stored', async () => {
      const clients = await connectDevices();
      const acked = new Map<string, number>();
      const t0 = Date.now() - 3_600_000;
      let stop = false;
      let seq = 0;
      // Each device publishes batches of 10 readings at QoS 1 until told to stop;
      // only readings the broker acknowledged are counted.
      const publishers = clients.map(async (client, i) => {
        const d = devices[i]!;
        while (!stop) {
          const batch = Array.from({ length: 10 }, () => {
            const s = seq++;
            return { ts: t0 + s, seq: s, metrics: { v: s % 100, running: true } };
          });
          await client.publishAsync(`hm/v1/${d.deviceId}/telemetry`, JSON.stringify(batch), { qos: 1 });
          acked.set(d.assetId, (acked.get(d.assetId) ?? 0) + batch.length);
        }
      });
      const total = () => [...acked.values()].reduce((a, b) => a + b, 0);

      await waitFor('readings flowing', () => total() >= 2_000, { timeoutMs: 30_000 });
      // Killed while it is storing: it has processed some of its partitions' messages.
      await waitFor('ingest-1 storing', async () => (await metricValue(info['ingest-1']!.address, 'hourmeter_partition_messages_total{group="ingest"}')) > 0);
      const victim = procs['ingest-1']!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const killedAt = total();
      await waitFor('ingest-2 owning every partition', async () => (await metricValue(info['ingest-2']!.address, 'hourmeter_partitions_owned{group="ingest"}')) === PARTITIONS, {
        timeoutMs: 10 * LEASE_MS,
      });
      await waitFor('readings after the takeover', () => total() >= killedAt + 2_000, { timeoutMs: 30_000 });
      stop = true;
      await Promise.all(publishers);
      await Promise.all(clients.map((c) => c.endAsync()));

      let stored = new Map<string, number>();
      await waitFor(
        'every acknowledged reading in InfluxDB',
        async () => {
          stored = await storedPerAsset();
          return devices.every((d) => (stored.get(d.assetId) ?? 0) >= (acked.get(d.assetId) ?? 0));
        },
        { timeoutMs: 60_000 },
      ).catch((err: unknown) => {
        const logs = Object.entries(procs).map(([n, p]) => `--- ${n} ---\n${p.output().slice(-2500)}`).join('\n');
        throw new Error(`${String(err)}\nacked ${JSON.stringify([...acked])}\nstored ${JSON.stringify([...stored])}\n${logs}`);
      });
      // Exactly: each reading has its own timestamp, so nothing extra can appear either.
      for (const d of devices) expect(stored.get(d.assetId), d.assetId).toBe(acked.get(d.assetId));
      expect(procs['ingest-2']!.output()).toMatch(/"partition assigned"/);
    }, 120_000);

    it('the prediction worker receives every batch the ingest workers stored', async () => {
      // The killed worker's count died with it: compare increments over a fresh
      // burst, counted from a moment when nothing is in flight (an ingest worker
      // counts a message only after prediction may already have counted its batch).
      const counters = async () =>
        [
          await liveIngestSum('hourmeter_partition_messages_total{group="ingest"}'),
          await metricValue(info.prediction!.address, 'hourmeter_partition_messages_total{group="prediction"}'),
        ] as const;
      // Settled: unchanged for two seconds, sampled every second (processes on a
      // loaded machine may lag each other by more than a moment).
      let settled = await counters();
      let unchanged = 0;
      await waitFor(
        'the earlier traffic to settle',
        async () => {
          const previous = settled;
          settled = await counters();
          unchanged = settled[0] === previous[0] && settled[1] === previous[1] ? unchanged + 1 : 0;
          return unchanged >= 3;
        },
        { intervalMs: 1_000, timeoutMs: 30_000 },
      );
      const [ingestBefore, predictionBefore] = settled;
      const skippedBefore = await liveIngestSum('hourmeter_partition_prediction_skipped_readings_total');
      const stored = await storedPerAsset();
      const clients = await connectDevices();
      for (const [i, client] of clients.entries()) {
        const d = devices[i]!;
        for (let m = 0; m < 5; m++) {
          const ts = Date.now() - 60_000 + m * 1000 + i;
          await client.publishAsync(`hm/v1/${d.deviceId}/telemetry`, JSON.stringify({ ts, metrics: { v: m, running: true } }), { qos: 1 });
        }
        stored.set(d.assetId, (stored.get(d.assetId) ?? 0) + 5);
      }
      await Promise.all(clients.map((c) => c.endAsync()));
      await storedToReach(stored);
      let counts = '';
      await waitFor(
        'prediction to have processed as many new messages as ingest stored',
        async () => {
          const ingestNew = (await liveIngestSum('hourmeter_partition_messages_total{group="ingest"}')) - ingestBefore;
          const predictionNew = (await metricValue(info.prediction!.address, 'hourmeter_partition_messages_total{group="prediction"}')) - predictionBefore;
          counts = `ingest ${ingestNew} new messages, prediction ${predictionNew}, skipped readings ${await liveIngestSum('hourmeter_partition_prediction_skipped_readings_total')} (before ${skippedBefore})`;
          return ingestNew > 0 && predictionNew === ingestNew;
        },
        { timeoutMs: 60_000 },
      ).catch((err: unknown) => {
        const moves = ['ingest-2', 'prediction']
          .flatMap((n) => procs[n]!.output().split('\n').filter((l) => /revoked|assigned|"level":[45]0/.test(l)).map((l) => `${n}: ${l.slice(0, 300)}`))
          .slice(-30);
        throw new Error(`${String(err)}: ${counts}\n${moves.join('\n')}`);
      });
      expect(await metricValue(info.prediction!.address, 'hourmeter_partitions_owned{group="prediction"}')).toBe(PARTITIONS);
      // Every batch went on to prediction: none was held back for a full queue.
      expect(await liveIngestSum('hourmeter_partition_prediction_skipped_readings_total')).toBe(skippedBefore);
    }, 120_000);

    it('with the prediction worker stopped, ingest keeps storing and stops queueing batches for it', async () => {
      await stopServers(procs.prediction);
      const skipped = () => liveIngestSum('hourmeter_partition_prediction_skipped_readings_total');
      const expected = await storedPerAsset();
      const clients = await connectDevices();
      const t0 = Date.now() - 7_200_000;
      // One reading per device per round, until the prediction queues are full
      // and ingest has skipped passing batches on.
      for (let round = 0; round < 2_000 && (await skipped()) === 0; round++) {
        await Promise.all(
          clients.map(async (client, i) => {
            const d = devices[i]!;
            await client.publishAsync(`hm/v1/${d.deviceId}/telemetry`, JSON.stringify({ ts: t0 + round, metrics: { v: round, running: true } }), { qos: 1 });
            expected.set(d.assetId, (expected.get(d.assetId) ?? 0) + 1);
          }),
        );
      }
      await Promise.all(clients.map((c) => c.endAsync()));
      expect(await skipped()).toBeGreaterThan(0);
      await storedToReach(expected);
    }, 120_000);
  },
);
