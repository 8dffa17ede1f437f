/**
 * `npm run bench -- cluster [--devices 200] [--seconds 15] [--window 32]`
 *
 * The real server (`services/server/src/main.ts`, one process per HM_ROLE)
 * on this machine, on Debian's PostgreSQL, redis-server and influxd (1.x)
 * started on free ports. The devices (one per asset) are provisioned into
 * PostgreSQL first; two load generators (`load/publisher.ts`, one per half of
 * the devices) publish at QoS 1 as fast as acknowledgements allow. Three
 * phases, each into its own InfluxDB database (and, for the split roles, its
 * own Redis logical database), every process of a phase stopped before the
 * next:
 *   1. reference: one process HM_ROLE=all (broker, ingest, prediction in one),
 *      both publishers on it;
 *   2. cluster: `broker` x2 sharing Redis, `ingest` x2 (one per broker node),
 *      `prediction` x1, each its own process; one publisher per broker node;
 *      publishing starts once the ingest workers hold half the
 *      HM_PARTITIONS partitions each and the prediction worker all of them;
 *   3. failover: as 2, a third of the way in ingest-1 is SIGKILLed; the
 *      takeover is timed until ingest-2 owns every partition and until it
 *      consumes them all (every session connected), and at the end
 *      every acknowledged reading is looked for in InfluxDB, per device.
 * Readings/s = readings in InfluxDB / (first publish .. every acknowledged
 * reading counted in InfluxDB).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, repositories } from '@hourmeter/db';
import { AssetInput, AssetModelInput, CustomerInput, SiteInput } from '@hourmeter/domain';
import { createLogger } from '@hourmeter/runtime';
import {
  findOnPath,
  findPostgresBin,
  freePort,
  metricValue,
  pgDatabase,
  startInfluxd,
  startPostgres,
  startRedis,
  startServer,
  stopServers,
  tempDir,
  waitFor,
  type RunningServer,
  type ServerProcess,
} from '@hourmeter/testkit';
import { parseLoadArgs } from './load/args.js';

const PUBLISHER = new URL('./load/publisher.ts', import.meta.url).pathname;
const PARTITIONS = 16;
const LEASE_MS = 3_000;
const SERVICE_SECRET = 'hm_bench_cluster_service_secret_';
const ADMIN_KEY = 'hm_bench_cluster_admin_key_0123456789';
/** One of the 8 metrics in every reading of load/publisher.ts: its count is the reading count. */
const COUNTED_METRIC = 'rpm';
/** Waiting for InfluxDB gives up after this long without one more reading counted. */
const STALL_MS = 120_000;
/** Log lines shown per process; the rest are only counted. */
const SHOWN_LOG_LINES = 3;
const OWNED_INGEST = 'hourmeter_partitions_owned{group="ingest"}';
const OWNED_PREDICTION = 'hourmeter_partitions_owned{group="prediction"}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- terminal output

/**
 * One status line: rewritten in place on a terminal; elsewhere (CI logs, a
 * pipe) printed at most every 5 s so a long wait still shows it is alive.
 */
const status = {
  shown: '',
  printedAt: 0,
  show(text: string): void {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K  ${text}`);
      this.shown = text;
    } else if (Date.now() - this.printedAt >= 5_000) {
      process.stderr.write(`  ${text}\n`);
      this.printedAt = Date.now();
    }
  },
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = '';
  },
};

function say(line: string): void {
  status.clear();
  console.log(line);
}

// ---------------------------------------------------------------- stores and fleet

/** PostgreSQL, redis-server and influxd on free ports, as the test run starts them. */
async function startStores(): Promise<{ postgres: RunningServer; redis: RunningServer; influx: RunningServer; stop: () => Promise<void> }> {
  const pgBin = findPostgresBin();
  const redisBin = findOnPath('redis-server');
  const influxBin = findOnPath('influxd');
  if (!pgBin || !redisBin || !influxBin) {
    throw new Error('the cluster bench needs Debian packages `postgresql`, `redis-server` and `influxdb`');
  }
  const started = await Promise.allSettled([startPostgres(pgBin), startRedis(redisBin), startInfluxd(influxBin)]);
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => void (await Promise.all(running.map((s) => s.stop())));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [postgres, redis, influx] = running as [RunningServer, RunningServer, RunningServer];
  return { postgres, redis, influx, stop };
}

interface Credentials {
  username: string;
  password: string;
}

/**
 * One customer, site and asset model, and `count` assets with one device
 * each, written straight into PostgreSQL (openDb migrates the empty
 * database). The device secrets are only seen here, at creation.
 */
async function provisionFleet(databaseUrl: string, dataDir: string, count: number): Promise<Credentials[]> {
  const db = await openDb({ databaseUrl, dataDir, logger: createLogger({ level: 'warn' }) });
  try {
    const repos = repositories(db);
    const customer = await repos.customers.create(CustomerInput.parse({ name: 'Bench Foods', currency: 'EUR' }));
    const site = await repos.sites.create(SiteInput.parse({ customerId: customer.id, name: 'Bench plant' }));
    const model = await repos.assetModels.create(AssetModelInput.parse({ code: 'BENCH-PUMP', name: 'Bench pump' }));
    const credentials: Credentials[] = [];
    for (let i = 0; i < count; i++) {
      const asset = await repos.assets.create(
        AssetInput.parse({ serialNumber: `BENCH-${i}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' }),
      );
      credentials.push((await repos.devices.create({ assetId: asset.id })).credentials);
    }
    return credentials;
  } finally {
    await db.close();
  }
}

/** The publishers' device files, one per half of the fleet. */
function writeDeviceFiles(dir: string, devices: Credentials[]): [string, string] {
  const half = Math.ceil(devices.length / 2);
  const files = [devices.slice(0, half), devices.slice(half)].map((part, i) => {
    const file = join(dir, `devices-${i + 1}.json`);
    writeFileSync(file, JSON.stringify(part));
    return file;
  });
  return files as [string, string];
}

async function influxQl(url: string, q: string, db?: string) {
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q, ...(db ? { db } : {}) }) });
  if (!res.ok) throw new Error(`influx ${q}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { results: { series?: { tags?: Record<string, string>; values: [string, number][] }[]; error?: string }[] };
  const error = body.results.find((r) => r.error)?.error;
  if (error) throw new Error(`influx ${q}: ${error}`);
  return body;
}

/** Readings per device in `db`: InfluxDB keeps one point per (device, ts, seq), so a rewrite is not counted twice. */
async function storedPerDevice(url: string, db: string): Promise<Map<string, number>> {
  const out = await influxQl(url, `SELECT COUNT("${COUNTED_METRIC}") FROM "telemetry" GROUP BY "device_id"`, db);
  return new Map((out.results[0]?.series ?? []).map((s) => [s.tags!['device_id']!, s.values[0]![1]]));
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------- server processes

/** A server process of a phase, by the name it has in the output. */
interface Member {
  name: string;
  proc: ServerProcess;
  address: string;
  mqttUrl?: string;
  /** Log lines not shown (beyond SHOWN_LOG_LINES). */
  hiddenLines: () => number;
  /** CPU and peak RSS, read just before the process was stopped. */
  usage?: Usage;
}

/** What each process of a phase shares: the stores, its databases, the partitioning. */
interface PhaseEnv {
  env: Record<string, string>;
  dataDir: string;
  /** Every process started, for the cleanup. */
  running: Member[];
}

function phaseEnv(base: { databaseUrl: string; influxUrl: string; work: string; running: Member[] }, influxDb: string, redisUrl?: string): PhaseEnv {
  return {
    env: {
      DATABASE_URL: base.databaseUrl,
      HM_TELEMETRY_STORE: 'influxdb',
      INFLUX_URL: base.influxUrl,
      INFLUX_VERSION: '1',
      INFLUX_BUCKET: influxDb,
      HM_SERVICE_SECRET: SERVICE_SECRET,
      HM_PARTITIONS: String(PARTITIONS),
      HM_PARTITION_LEASE_MS: String(LEASE_MS),
      HM_LOG_LEVEL: 'warn',
      ...(redisUrl ? { HM_REDIS_URL: redisUrl } : {}),
    },
    dataDir: join(base.work, influxDb),
    running: base.running,
  };
}

/** Log lines already shown, without the pid Node puts in its own warnings. */
const shownLogLines = new Set<string>();

/**
 * Prints the first few log lines of a process prefixed with its name (at
 * HM_LOG_LEVEL=warn these are warnings and errors) and counts the rest. A
 * line shown already (Node's deprecation warnings, the same in every process;
 * pino lines never repeat, they carry a time) is skipped, so it does not
 * crowd out the others.
 */
function echoLogs(name: string, child: ChildProcess): () => number {
  let shown = 0;
  let hidden = 0;
  let partial = '';
  const onData = (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const line of parts.filter(Boolean)) {
      const text = line.replace(/^\(node:\d+\) /, '');
      if (shownLogLines.has(text)) continue;
      if (shown >= SHOWN_LOG_LINES) hidden++;
      else {
        shown++;
        shownLogLines.add(text);
        say(`  [${name}] ${line.slice(0, 300)}`);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return () => hidden;
}

/** A free port not handed to another process of this run yet (a port is only taken once the process binds it). */
const handedOut = new Set<number>();
async function unusedPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Starts one server process and waits until it serves HTTP. At
 * HM_LOG_LEVEL=warn the "hourmeter listening" line is not logged, so the
 * ports are chosen here and the process counts as up once its HTTP port
 * answers (main.ts listens last, after everything else has started).
 */
async function startMember(phase: PhaseEnv, name: string, env: Record<string, string>): Promise<Member> {
  const hasBroker = env['HM_ROLE'] === 'all' || env['HM_ROLE'] === 'broker';
  const httpPort = await unusedPort();
  const mqttPort = hasBroker ? await unusedPort() : 0;
  const dataDir = join(phase.dataDir, name);
  mkdirSync(dataDir, { recursive: true });
  const proc = startServer({
    ...phase.env,
    ...env,
    HM_NODE_ID: name,
    HM_DATA_DIR: dataDir,
    HM_HTTP_PORT: String(httpPort),
    HM_MQTT_PORT: String(mqttPort),
  });
  const member: Member = { name, proc, address: `http://127.0.0.1:${httpPort}`, hiddenLines: echoLogs(name, proc.child) };
  phase.running.push(member);
  await waitFor(
    `${name} to serve HTTP`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
      await fetch(`${member.address}/health`);
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  if (hasBroker) member.mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  return member;
}

interface Usage {
  cpuSeconds: number;
  peakRssMb: number;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU (utime + stime) and peak RSS (VmHWM) of a running process, from /proc. */
function usageOf(pid: number): Usage {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 };
}

function recordUsage(member: Member): void {
  member.usage = usageOf(member.proc.child.pid!);
}

/**
 * Records the usage of every process of a phase, then stops them (SIGTERM,
 * wait): the workers before the brokers they are connected to, so their
 * shutdown is not cluttered with "connection lost" warnings.
 */
async function stopPhase(members: Member[]): Promise<void> {
  for (const m of members) if (m.proc.child.exitCode === null && m.proc.child.signalCode === null) recordUsage(m);
  await stopServers(...members.filter((m) => !m.mqttUrl).map((m) => m.proc));
  await stopServers(...members.filter((m) => m.mqttUrl).map((m) => m.proc));
  for (const m of members) if (m.hiddenLines() > 0) say(`  [${m.name}] ${m.hiddenLines()} more log lines not shown`);
}

interface SplitTopology {
  brokerA: Member;
  brokerB: Member;
  ingest1: Member;
  ingest2: Member;
  prediction: Member;
  all: Member[];
}

/**
 * broker x2, ingest x2 (one on each broker node), prediction x1; returns once
 * the ingest workers hold half the partitions each and the prediction worker
 * all of them, so no phase measures the initial lease shuffle.
 */
async function startSplitTopology(phase: PhaseEnv): Promise<SplitTopology> {
  const [brokerA, brokerB] = await Promise.all([
    startMember(phase, 'broker-a', { HM_ROLE: 'broker' }),
    startMember(phase, 'broker-b', { HM_ROLE: 'broker' }),
  ]);
  const [ingest1, ingest2, prediction] = await Promise.all([
    startMember(phase, 'ingest-1', { HM_ROLE: 'ingest', HM_MQTT_URL: brokerA.mqttUrl! }),
    startMember(phase, 'ingest-2', { HM_ROLE: 'ingest', HM_MQTT_URL: brokerB.mqttUrl! }),
    startMember(phase, 'prediction', { HM_ROLE: 'prediction', HM_MQTT_URL: brokerB.mqttUrl! }),
  ]);
  const started = Date.now();
  await waitFor(
    'the partitions shared out (ingest-1 and ingest-2 half each, prediction all)',
    async () => {
      const owned = await Promise.all([
        metricValue(ingest1.address, OWNED_INGEST),
        metricValue(ingest2.address, OWNED_INGEST),
        metricValue(prediction.address, OWNED_PREDICTION),
      ]);
      status.show(`partitions owned: ingest-1 ${owned[0]}, ingest-2 ${owned[1]}, prediction ${owned[2]}`);
      return owned[0] === PARTITIONS / 2 && owned[1] === PARTITIONS / 2 && owned[2] === PARTITIONS;
    },
    { timeoutMs: 20 * LEASE_MS, intervalMs: 200 },
  );
  say(`  partitions shared out ${((Date.now() - started) / 1000).toFixed(1)} s after the workers started: ingest-1 ${PARTITIONS / 2}, ingest-2 ${PARTITIONS / 2}, prediction ${PARTITIONS}`);
  return { brokerA, brokerB, ingest1, ingest2, prediction, all: [brokerA, brokerB, ingest1, ingest2, prediction] };
}

// ---------------------------------------------------------------- load

interface PublisherResult {
  sent: number;
  acked: number;
  errors: number;
  cpuSeconds: number;
  perDevice?: Record<string, number>;
}

interface Publisher {
  child: ChildProcess;
  /** When it started publishing (all its devices connected). */
  connected: Promise<number>;
  done: Promise<PublisherResult>;
}

function startPublisher(label: string, url: string, devicesFile: string, opts: LoadOptions, progress: Map<string, string>): Publisher {
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', PUBLISHER,
      '--url', url, '--devices', devicesFile, '--rate', '0', '--seconds', String(opts.seconds), '--window', String(opts.window),
      ...(opts.perDevice ? ['--per-device'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let onConnected: (at: number) => void = () => undefined;
  let failedEarly: (err: Error) => void = () => undefined;
  const connected = new Promise<number>((resolve, reject) => ([onConnected, failedEarly] = [resolve, reject]));
  const done = new Promise<PublisherResult>((resolve, reject) => {
    const watchdog = setTimeout(() => child.kill('SIGKILL'), (opts.seconds + 180) * 1000);
    let result: PublisherResult | undefined;
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, nl)) as { event: string } & PublisherResult;
        buffer = buffer.slice(nl + 1);
        if (line.event === 'connected') onConnected(Date.now());
        if (line.event === 'progress') {
          progress.set(label, `${label}: acked ${line.acked}${line.errors ? ` errors ${line.errors}` : ''}`);
          status.show([...progress.values()].join('  |  '));
        }
        if (line.event === 'done') result = line;
      }
    });
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      if (code === 0 && result) return resolve(result);
      const err = new Error(`publisher ${label} exited with ${code}`);
      failedEarly(err); // a publisher that never connected must not leave the phase waiting
      reject(err);
    });
  });
  return { child, connected, done };
}

interface LoadOptions {
  seconds: number;
  window: number;
  perDevice?: boolean;
}

/**
 * Both publishers, one per half of the devices, each on its broker URL.
 * `during` runs beside them from the first publish on (the failover's kill).
 */
async function runLoad(
  urls: [string, string],
  files: [string, string],
  opts: LoadOptions,
  running: ChildProcess[],
  during?: (firstPublish: number) => Promise<void>,
): Promise<{ firstPublish: number; results: PublisherResult[] }> {
  const progress = new Map<string, string>();
  const publishers = urls.map((url, i) => startPublisher(`pub${i + 1}`, url, files[i]!, opts, progress));
  running.push(...publishers.map((p) => p.child));
  const firstPublish = await Promise.race(publishers.map((p) => p.connected));
  const [results] = await Promise.all([Promise.all(publishers.map((p) => p.done)), during?.(firstPublish)]);
  status.clear();
  return { firstPublish, results };
}

/**
 * Polls InfluxDB (every 250 ms) until `complete` holds for the per-device
 * counts; `at` is the moment that was first seen. Gives up after STALL_MS
 * without progress and says so (`complete: false`), so the phase still
 * reports what did arrive.
 */
async function waitStored(
  influxUrl: string,
  db: string,
  acked: number,
  complete: (stored: Map<string, number>) => boolean,
): Promise<{ at: number; stored: Map<string, number>; complete: boolean }> {
  let lastTotal = -1;
  let lastProgress = Date.now();
  for (;;) {
    const stored = await storedPerDevice(influxUrl, db);
    const total = sum(stored.values());
    if (complete(stored)) return { at: Date.now(), stored, complete: true };
    if (total !== lastTotal) [lastTotal, lastProgress] = [total, Date.now()];
    if (Date.now() - lastProgress > STALL_MS) return { at: lastProgress, stored, complete: false };
    status.show(`in InfluxDB ${total} of ${acked} acknowledged readings`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------- phases

interface PhaseResult {
  rate: number;
  stored: number;
  acked: number;
  elapsed: number;
  members: Member[];
  publishers: PublisherResult[];
}

interface Context {
  base: { databaseUrl: string; influxUrl: string; work: string; running: Member[] };
  redisUrl: string;
  files: [string, string];
  load: LoadOptions;
  publishers: ChildProcess[];
}

/** Both publishers, then the wait until InfluxDB has as many readings as were acknowledged. */
async function measure(ctx: Context, db: string, urls: [string, string], members: Member[]): Promise<PhaseResult> {
  const { firstPublish, results } = await runLoad(urls, ctx.files, ctx.load, ctx.publishers);
  const acked = sum(results.map((r) => r.acked));
  const done = await waitStored(ctx.base.influxUrl, db, acked, (stored) => sum(stored.values()) >= acked);
  const stored = sum(done.stored.values());
  if (!done.complete) say(`  WARNING: gave up after ${STALL_MS / 1000} s without progress: ${acked - stored} acknowledged readings not in InfluxDB`);
  await stopPhase(members);
  const elapsed = (done.at - firstPublish) / 1000;
  return { rate: stored / elapsed, stored, acked, elapsed, members, publishers: results };
}

function describe(r: PhaseResult): string {
  const usage = r.members
    .map((m) => `${m.name} ${m.usage ? `${m.usage.cpuSeconds.toFixed(1)} s ${m.usage.peakRssMb.toFixed(0)} MB` : 'n/a'}`)
    .join(', ');
  return (
    `  ${Math.round(r.rate)} readings/s stored: ${r.stored} in InfluxDB, ${r.acked} acknowledged, ${r.elapsed.toFixed(1)} s from the first publish until all were counted\n` +
    `  CPU and peak RSS per process: ${usage}; publisher CPU ${r.publishers.map((p) => p.cpuSeconds.toFixed(1)).join(' + ')} s`
  );
}

async function referencePhase(ctx: Context): Promise<PhaseResult> {
  const db = 'reference';
  await influxQl(ctx.base.influxUrl, `CREATE DATABASE "${db}"`);
  const single = await startMember(phaseEnv(ctx.base, db), 'single', { HM_ROLE: 'all', HM_ADMIN_KEY: ADMIN_KEY });
  return measure(ctx, db, [single.mqttUrl!, single.mqttUrl!], [single]);
}

async function clusterPhase(ctx: Context): Promise<PhaseResult> {
  const db = 'cluster';
  await influxQl(ctx.base.influxUrl, `CREATE DATABASE "${db}"`);
  const t = await startSplitTopology(phaseEnv(ctx.base, db, `${ctx.redisUrl}/1`));
  return measure(ctx, db, [t.brokerA.mqttUrl!, t.brokerB.mqttUrl!], t.all);
}

interface FailoverResult extends PhaseResult {
  killedAfter: number;
  takeover: Takeover;
  lost: number;
  lostDevices: number;
  extra: number;
  complete: boolean;
}

/** Kill until ingest-2 owned every partition, and until it consumed them all; ms, undefined when it never did. */
interface Takeover {
  ownedMs?: number;
  consumingMs?: number;
}

const TAKEOVER_TIMEOUT_MS = 20 * LEASE_MS;

/** Polls until `check` holds; the ms since `since`, undefined after TAKEOVER_TIMEOUT_MS. */
async function timeUntil(what: string, since: number, check: () => Promise<boolean>): Promise<number | undefined> {
  try {
    await waitFor(what, check, { timeoutMs: TAKEOVER_TIMEOUT_MS, intervalMs: 100 });
    return Date.now() - since;
  } catch {
    return undefined;
  }
}

/**
 * The takeover from the kill on, in two steps: ingest-2 holds every lease
 * (at most HM_PARTITION_LEASE_MS after ingest-1's last renewal), then every
 * partition session it took over is connected (its /health `partitions`
 * component), which is when the dead worker's partitions are consumed again.
 */
async function measureTakeover(survivor: Member, killedAt: number): Promise<Takeover> {
  const ownedMs = await timeUntil('ingest-2 owning every partition', killedAt, async () => (await metricValue(survivor.address, OWNED_INGEST)) === PARTITIONS);
  if (ownedMs === undefined) return {};
  const consumingMs = await timeUntil('every partition session of ingest-2 connected', killedAt, async () => {
    const health = (await (await fetch(`${survivor.address}/health`)).json()) as { components: Record<string, { status: string }> };
    return health.components['partitions']?.status === 'up';
  });
  return { ownedMs, ...(consumingMs === undefined ? {} : { consumingMs }) };
}

async function failoverPhase(ctx: Context): Promise<FailoverResult> {
  const db = 'failover';
  await influxQl(ctx.base.influxUrl, `CREATE DATABASE "${db}"`);
  const t = await startSplitTopology(phaseEnv(ctx.base, db, `${ctx.redisUrl}/2`));
  let killedAfter = 0;
  let takeover: Takeover = {};
  const { firstPublish, results } = await runLoad(
    [t.brokerA.mqttUrl!, t.brokerB.mqttUrl!],
    ctx.files,
    { ...ctx.load, perDevice: true },
    ctx.publishers,
    async (start) => {
      await sleep(start + (ctx.load.seconds * 1000) / 3 - Date.now());
      recordUsage(t.ingest1);
      t.ingest1.proc.child.kill('SIGKILL');
      const killedAt = Date.now();
      killedAfter = (killedAt - start) / 1000;
      takeover = await measureTakeover(t.ingest2, killedAt);
    },
  );
  const acked = new Map(results.flatMap((r) => Object.entries(r.perDevice ?? {})));
  const ackedTotal = sum(acked.values());
  // Per device: a reading stored twice elsewhere must not hide one lost here.
  const done = await waitStored(ctx.base.influxUrl, db, ackedTotal, (stored) => [...acked].every(([d, n]) => (stored.get(d) ?? 0) >= n));
  await stopPhase(t.all);
  let [lost, lostDevices, extra] = [0, 0, 0];
  for (const [device, n] of acked) {
    const stored = done.stored.get(device) ?? 0;
    if (stored < n) [lost, lostDevices] = [lost + n - stored, lostDevices + 1];
    else extra += stored - n;
  }
  const stored = sum(done.stored.values());
  const elapsed = (done.at - firstPublish) / 1000;
  return {
    rate: stored / elapsed,
    stored,
    acked: ackedTotal,
    elapsed,
    members: t.all,
    publishers: results,
    killedAfter,
    takeover,
    lost,
    lostDevices,
    extra,
    complete: done.complete,
  };
}

function describeTakeover({ ownedMs, consumingMs }: Takeover): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const limit = seconds(TAKEOVER_TIMEOUT_MS);
  if (ownedMs === undefined) return `did not own all ${PARTITIONS} partitions within ${limit}`;
  const consuming = consumingMs === undefined ? `not consuming all of them within ${limit}` : `consuming all of them ${seconds(consumingMs)} after the kill`;
  return `owned all ${PARTITIONS} partitions ${seconds(ownedMs)} later (lease ${seconds(LEASE_MS)}), ${consuming}`;
}

function describeFailover(r: FailoverResult): string {
  return (
    `  ingest-1 SIGKILLed ${r.killedAfter.toFixed(1)} s after the first publish; ingest-2 ${describeTakeover(r.takeover)}\n` +
    `${describe(r)}\n` +
    `  acknowledged ${r.acked}, in InfluxDB ${r.stored}: ${r.lost} acknowledged readings missing (${r.lostDevices} devices), ` +
    `${r.extra} stored but never acknowledged${r.complete ? '' : `; gave up after ${STALL_MS / 1000} s without progress`}`
  );
}

export async function run(args: string[]): Promise<void> {
  const { devices: count, seconds, window } = parseLoadArgs(args);
  const load = { seconds, window };
  const stores = await startStores();
  const work = tempDir('hm-bench-cluster-');
  const running: Member[] = [];
  const publishers: ChildProcess[] = [];
  try {
    const database = await pgDatabase(stores.postgres.url);
    const devices = await provisionFleet(database.url, work.path, count);
    const ctx: Context = {
      base: { databaseUrl: database.url, influxUrl: stores.influx.url, work: work.path, running },
      redisUrl: stores.redis.url,
      files: writeDeviceFiles(work.path, devices),
      load,
      publishers,
    };
    console.log(
      `cluster bench: ${count} devices (one asset each), 8 metrics per reading, QoS 1, window ${load.window}, ${load.seconds} s per phase, ` +
        `HM_PARTITIONS=${PARTITIONS}, HM_PARTITION_LEASE_MS=${LEASE_MS}, 2 cores shared by everything`,
    );
    console.log(`  PostgreSQL at ${stores.postgres.url}, redis-server at ${stores.redis.url}, influxd 1.x at ${stores.influx.url}`);

    console.log('1/3 reference: one process HM_ROLE=all (broker, ingest, prediction) -> InfluxDB, both publishers on it');
    const ref = await referencePhase(ctx);
    console.log(describe(ref));

    console.log('2/3 cluster: broker x2 (Redis /1) -> ingest x2 -> InfluxDB, prediction x1, one publisher per broker node');
    const cl = await clusterPhase(ctx);
    console.log(describe(cl));

    console.log(`3/3 failover: as 2 (Redis /2), ingest-1 SIGKILLed a third of the way in`);
    const fo = await failoverPhase(ctx);
    console.log(describeFailover(fo));

    const ratio = cl.rate / ref.rate;
    console.log(`cluster: ${Math.round(cl.rate)} readings/s stored on 2 nodes, ratio ${ratio.toFixed(2)} vs single node, failover lost ${fo.lost} acknowledged readings`);
  } finally {
    status.clear();
    for (const p of publishers) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await stopServers(...running.map((m) => m.proc));
    await stores.stop();
    work.cleanup();
  }
}
