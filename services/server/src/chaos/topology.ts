import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findOnPath,
  findPostgresBin,
  freePort,
  startInfluxd,
  startPostgres,
  startRedis,
  startServer,
  stopServers,
  waitFor,
  type RunningServer,
  type ServerProcess,
} from '@hourmeter/testkit';
import { STORE_DOWN_FILE } from '../telemetry-store.js';
import { holdSqliteWriteLock, SmallFilesystem, SteppableClock } from './host-faults.js';

/** One server process of the run, restartable on the same ports and data directory. */
export interface Member {
  readonly name: string;
  readonly role: string;
  readonly address: string;
  proc: ServerProcess;
  readonly env: Record<string, string>;
}

/** An outage that can be ended: a stopped store, a held lock. */
export type Outage = { end: () => Promise<void> };

/** What the faults act on, the same shape for the embedded process and the split roles. */
export interface Topology {
  readonly mode: 'embedded' | 'cluster';
  readonly members: Member[];
  /** The broker node the devices connect to. */
  readonly mqttUrl: string;
  readonly mqttPort: number;
  /** The process serving /api/v1. */
  readonly apiBase: string;
  readonly clock?: SteppableClock;
  readonly spoolFs?: SmallFilesystem;
  stopTelemetryStore(): Promise<Outage>;
  stopDatabase(): Promise<Outage>;
  /** Cluster only. */
  stopRedis?(): Promise<Outage>;
  /** Starts a member again after it died, and waits until it answers /health/live. */
  restart(member: Member): Promise<void>;
  /** Everything the members logged (warnings and errors). */
  output(): string;
  close(): Promise<void>;
}

export interface TopologyOptions {
  adminKey: string;
  workDir: string;
  /** Mount a tmpfs under the broker's spool (for spool-disk-full). */
  smallSpool: boolean;
  /** Run the processes under a steppable clock (for server-clock-jump). */
  steppableClock: boolean;
}

const SPOOL_FS_MB = 64;
const SERVICE_SECRET = 'hm_chaos_cluster_service_secret_';
const PARTITIONS = 4;
const LEASE_MS = 3_000;

async function startMember(name: string, role: string, env: Record<string, string>): Promise<Member> {
  const httpPort = await freePort();
  const member: Member = {
    name,
    role,
    address: `http://127.0.0.1:${httpPort}`,
    env: { ...env, HM_ROLE: role, HM_HTTP_PORT: String(httpPort), HM_LOG_LEVEL: 'warn' },
    proc: undefined as unknown as ServerProcess,
  };
  await launch(member);
  return member;
}

async function launch(member: Member): Promise<void> {
  member.proc = startServer(member.env);
  const proc = member.proc;
  await waitFor(`${member.name} to answer /health/live`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`${member.name} exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
    return (await fetch(`${member.address}/health/live`)).ok;
  }, { timeoutMs: 120_000, intervalMs: 100 });
}

function prepare(opts: TopologyOptions, spoolDir: string): { clock?: SteppableClock; spoolFs?: SmallFilesystem } {
  const clock = opts.steppableClock ? SteppableClock.create(opts.workDir) : undefined;
  if (opts.steppableClock && !clock) throw new Error('server-clock-jump needs libfaketime (Debian package `faketime`), or leave it out with --faults');
  const spoolFs = opts.smallSpool ? SmallFilesystem.mount(spoolDir, SPOOL_FS_MB) : undefined;
  return { clock, spoolFs };
}

/** The default installation: one `HM_ROLE=all` process on SQLite and DuckDB under its data directory. */
export async function startEmbedded(opts: TopologyOptions): Promise<Topology> {
  const dataDir = join(opts.workDir, 'data');
  const faultDir = join(opts.workDir, 'faults');
  mkdirSync(faultDir, { recursive: true });
  const { clock, spoolFs } = prepare(opts, join(dataDir, 'spool'));
  const mqttPort = await freePort();
  const member = await startMember('hourmeter', 'all', {
    ...clock?.env,
    HM_DATA_DIR: dataDir,
    HM_ADMIN_KEY: opts.adminKey,
    HM_MQTT_PORT: String(mqttPort),
    HM_HOUR_METER_INTERVAL_MS: '500',
    HM_FAULT_INJECTION_DIR: faultDir,
  });
  const members = [member];
  return {
    mode: 'embedded',
    members,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    mqttPort,
    apiBase: member.address,
    clock,
    spoolFs,
    async stopTelemetryStore() {
      const file = join(faultDir, STORE_DOWN_FILE);
      writeFileSync(file, 'stopped by npm run chaos\n');
      return { end: async () => rmSync(file, { force: true }) };
    },
    async stopDatabase() {
      const lock = holdSqliteWriteLock(join(dataDir, 'hourmeter.sqlite'));
      return { end: async () => lock.release() };
    },
    restart: launch,
    output: () => member.proc.output(),
    async close() {
      await stopServers(...members.map((m) => m.proc));
      spoolFs?.unmount();
    },
  };
}

/**
 * The split roles on PostgreSQL, Redis (with an AOF, so a restart keeps the
 * partition queues) and InfluxDB 1.x, each started here: one `broker` node,
 * one `ingest` and one `prediction` worker, one `api` process.
 */
export async function startCluster(opts: TopologyOptions): Promise<Topology> {
  const pgBin = findPostgresBin();
  const redisBin = findOnPath('redis-server');
  const influxBin = findOnPath('influxd');
  if (!pgBin || !redisBin || !influxBin) throw new Error('--cluster needs the Debian packages `postgresql`, `redis-server` and `influxdb`');
  const stores: RunningServer[] = [];
  const members: Member[] = [];
  const brokerData = join(opts.workDir, 'broker');
  let spoolFs: SmallFilesystem | undefined;
  const close = async () => {
    await stopServers(...members.filter((m) => m.role !== 'broker').map((m) => m.proc));
    await stopServers(...members.filter((m) => m.role === 'broker').map((m) => m.proc));
    await Promise.all(stores.map((s) => s.stop()));
    spoolFs?.unmount();
  };
  try {
    const [postgres, redis, influx] = await Promise.all([startPostgres(pgBin), startRedis(redisBin, { appendOnly: true }), startInfluxd(influxBin)]);
    stores.push(postgres, redis, influx);
    await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE hourmeter' }) });
    const prepared = prepare(opts, join(brokerData, 'spool'));
    spoolFs = prepared.spoolFs;
    const shared = {
      ...prepared.clock?.env,
      DATABASE_URL: postgres.url,
      HM_TELEMETRY_STORE: 'influxdb',
      INFLUX_URL: influx.url,
      INFLUX_VERSION: '1',
      INFLUX_BUCKET: 'hourmeter',
      HM_REDIS_URL: redis.url,
      HM_SERVICE_SECRET: SERVICE_SECRET,
      HM_PARTITIONS: String(PARTITIONS),
      HM_PARTITION_LEASE_MS: String(LEASE_MS),
      HM_HOUR_METER_INTERVAL_MS: '500',
      HM_ADMIN_KEY: opts.adminKey,
    };
    const mqttPort = await freePort();
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    members.push(await startMember('broker', 'broker', { ...shared, HM_DATA_DIR: brokerData, HM_MQTT_PORT: String(mqttPort), HM_NODE_ID: 'broker' }));
    members.push(...(await Promise.all(['ingest', 'prediction', 'api'].map((role) => startMember(role, role, { ...shared, HM_DATA_DIR: join(opts.workDir, role), HM_MQTT_URL: mqttUrl })))));
    const outage = (server: RunningServer) => async (): Promise<Outage> => {
      await server.halt();
      return { end: () => server.resume() };
    };
    return {
      mode: 'cluster',
      members,
      mqttUrl,
      mqttPort,
      apiBase: members.find((m) => m.role === 'api')!.address,
      clock: prepared.clock,
      spoolFs,
      stopTelemetryStore: outage(influx),
      stopDatabase: outage(postgres),
      stopRedis: outage(redis),
      restart: launch,
      output: () => members.map((m) => m.proc.output()).join('\n'),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
