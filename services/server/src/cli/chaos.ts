import { randomBytes } from 'node:crypto';
import { tempDir, waitFor } from '@hourmeter/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { faultsFor, type Fault } from '../chaos/faults.js';
import { parseChaosArgs, type ChaosOptions } from '../chaos/options.js';
import { startCluster, startEmbedded, type Member, type Topology } from '../chaos/topology.js';

/**
 * `npm run chaos [-- --cluster] [--faults a,b] [--fault-seconds 30]`: the real
 * process (or, with --cluster, the split roles on PostgreSQL, Redis and
 * InfluxDB) under steady device load, with faults injected one after
 * another (see docs/operations.md, "Chaos"); ends with the one line.
 * Exit code 1 when a fault did not have its effect or a reading was lost,
 * duplicated or an invoice failed; 2 for bad arguments.
 */
const ADMIN_KEY = `hm_chaos_${randomBytes(16).toString('hex')}`;
const log = (msg: string) => process.stdout.write(`[chaos] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let options: ChaosOptions;
try {
  options = parseChaosArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

const work = tempDir('hm-chaos-');
const topologyOptions = {
  adminKey: ADMIN_KEY,
  workDir: work.path,
  smallSpool: options.faults.includes('spool-disk-full'),
  steppableClock: options.faults.includes('server-clock-jump'),
};
log(`starting ${options.cluster ? 'the split roles (broker, ingest, prediction, api) on PostgreSQL, Redis and InfluxDB 1.x' : 'the embedded process'}`);
let topology: Topology;
try {
  topology = options.cluster ? await startCluster(topologyOptions) : await startEmbedded(topologyOptions);
} catch (err) {
  process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
  work.cleanup();
  process.exit(2);
}
const base = topology.apiBase;

async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const customer = await call<{ id: string }>('POST', '/customers', { name: 'Chaos Works', currency: 'EUR' });
const site = await call<{ id: string }>('POST', '/sites', { customerId: customer.id, name: 'Plant' });
const model = await call<{ id: string }>('POST', '/asset-models', { code: 'CHAOS', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
const devices: { username: string; password: string; assetId: string }[] = [];
for (const serial of ['CH-1', 'CH-2', 'CH-3']) {
  const asset = await call<{ id: string }>('POST', '/assets', { serialNumber: serial, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15' });
  const { credentials } = await call<{ credentials: { username: string; password: string } }>('POST', '/devices', { assetId: asset.id });
  devices.push({ ...credentials, assetId: asset.id });
}
const [loadDevice, flooder, revoked] = devices as [(typeof devices)[0], (typeof devices)[0], (typeof devices)[0]];
await call('POST', `/devices/${revoked.username}/revoke`);
const now = new Date();
const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
await call('POST', '/contracts', {
  customerId: customer.id, assetIds: [loadDevice.assetId], startsOn: lastMonth, endsOn: `${now.getUTCFullYear() + 1}-12-31`, currency: 'EUR',
  terms: { kind: 'pbh', ratePerHourMinor: 3_000, availabilityGuaranteePercent: 95, creditSchedule: { percentPerStep: 1, capPercent: 5 } },
});

// ---- steady load: one QoS 1 reading at a time, resent with the same seq until acknowledged
const loadStart = Date.now() - 3_600_000;
const READING_STEP_MS = 10;
const acked = new Set<number>();
let publishing = true;
const loadClient: MqttClient = mqtt.connect(topology.mqttUrl, { username: loadDevice.username, password: loadDevice.password, clientId: loadDevice.username, reconnectPeriod: 200, connectTimeout: 5_000 });
loadClient.on('error', () => undefined);
const load = (async () => {
  for (let seq = 0; publishing; seq++) {
    const payload = JSON.stringify({ ts: loadStart + seq * READING_STEP_MS, seq, metrics: { running: true, temp_c: 60 + (seq % 10) } });
    for (;;) {
      if (!publishing) return;
      try {
        if (!loadClient.connected) throw new Error('offline');
        // Bounded, so a PUBACK that never comes stalls the load (a fault verifies that) but never the run's end.
        await Promise.race([
          loadClient.publishAsync(`hm/v1/${loadDevice.username}/telemetry`, payload, { qos: 1 }),
          sleep(10_000).then(() => Promise.reject(new Error('no PUBACK within 10 s'))),
        ]);
        acked.add(seq);
        break;
      } catch {
        await sleep(100);
      }
    }
  }
})();

// ---- readiness: every process's /health/ready every 200 ms (no answer within 2 s = not ready); a sample is "ready" when all answer 200.
// Samples taken while a fault that must take readiness down runs are not counted.
let readyChecks = 0;
let readyUp = 0;
let expectDown = false;
let polling = true;
const answers = new Map<Member, boolean[]>();
/** Why each member last answered not ready (status and body, or no answer), for the fault's log line. */
const lastNotReady = new Map<Member, string>();
const poller = (async () => {
  while (polling) {
    const oks = await Promise.all(topology.members.map(async (m) => {
      const why = await fetch(`${m.address}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then(
        async (r) => (r.status === 200 ? undefined : `${r.status} ${await r.text()}`),
        (err: unknown) => (err instanceof Error ? err.name : 'no answer'),
      );
      const ok = why === undefined;
      answers.get(m)?.push(ok);
      if (!ok) lastNotReady.set(m, why);
      return ok;
    }));
    if (!expectDown) {
      readyChecks++;
      if (oks.every(Boolean)) readyUp++;
    }
    await sleep(200);
  }
})();

const faults: Fault[] = faultsFor(topology, options.faults);
const failures: string[] = [];
const started = Date.now();
await waitFor('load flowing', () => acked.size > 100, { timeoutMs: 60_000 });
log(`load flowing; ${faults.length} faults: ${faults.map((f) => f.name).join('; ')}`);
for (const [i, fault] of faults.entries()) {
  const before = acked.size;
  for (const m of topology.members) answers.set(m, []);
  lastNotReady.clear();
  const readyBefore = { checks: readyChecks, up: readyUp };
  expectDown = fault.takesReadinessDown;
  log(`(${i + 1}/${faults.length}) ${fault.name}: injecting`);
  const t0 = Date.now();
  try {
    await fault.run({
      topology,
      acked: () => acked.size,
      readyAnswers: (m) => answers.get(m) ?? [],
      flooder,
      revoked,
      faultSeconds: options.faultSeconds,
      log: (msg) => log(`(${i + 1}/${faults.length}) ${msg}`),
    });
  } catch (err) {
    failures.push(`${fault.name}: ${err instanceof Error ? err.message : String(err)}`);
    log(`(${i + 1}/${faults.length}) ${fault.name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
  expectDown = false;
  await sleep(2_000);
  const counted = readyChecks - readyBefore.checks;
  const notReady = counted - (readyUp - readyBefore.up);
  const downBy = topology.members.map((m) => {
    const n = answers.get(m)!.filter((ok) => !ok).length;
    return n === 0 ? `${m.name} 0` : `${m.name} ${n} (last: ${lastNotReady.get(m)?.slice(0, 120)})`;
  }).join(', ');
  log(`(${i + 1}/${faults.length}) ${fault.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${acked.size - before} readings acknowledged meanwhile, ${notReady} of ${counted} counted readiness samples not ready${fault.takesReadinessDown ? ' (the fault window itself is not counted)' : ''}; not-ready answers: ${downBy}`);
}
publishing = false;
await load;
loadClient.end(true);

// ---- every acknowledged reading stored exactly once?
const maxSeq = Math.max(...acked);
const tsOf = (seq: number) => loadStart + seq * READING_STEP_MS;
let points: [number, number][] = [];
log('waiting for every acknowledged reading in the telemetry store');
await waitFor('acknowledged readings stored', async () => {
  const got = await call<{ series: { points: [number, number][] }[] }>('GET', `/assets/${loadDevice.assetId}/telemetry?metrics=temp_c&from=${loadStart}&to=${tsOf(maxSeq + 1)}`);
  points = got.series[0]?.points ?? [];
  const have = new Set(points.map(([ts]) => ts));
  return [...acked].every((seq) => have.has(tsOf(seq)));
}, { timeoutMs: 120_000, intervalMs: 500 }).catch(() => undefined);
const stored = new Set(points.map(([ts]) => ts));
const lost = [...acked].filter((seq) => !stored.has(tsOf(seq))).length;
const duplicated = points.length - stored.size;

// ---- the hour meter: every stored reading counted once, the time between them (all running, 10 ms apart) neither lost nor doubled
const storedTs = [...stored].sort((a, b) => a - b);
const expectedMs = storedTs.length > 1 ? storedTs[storedTs.length - 1]! - storedTs[0]! : 0;
const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);
let meter = { samples: 0, operatingMs: 0 };
log('waiting for the hour meter to count every stored reading');
await waitFor('the hour meter', async () => {
  const got = await call<{ days: { samples: number; operatingMs: number }[] }>('GET', `/assets/${loadDevice.assetId}/operating-hours?from=${day(loadStart)}&to=${day(tsOf(maxSeq))}`);
  meter = got.days.reduce((sum, d) => ({ samples: sum.samples + d.samples, operatingMs: sum.operatingMs + d.operatingMs }), { samples: 0, operatingMs: 0 });
  return meter.samples === storedTs.length && meter.operatingMs === expectedMs;
}, { timeoutMs: 60_000, intervalMs: 500 }).catch(() => undefined);
if (meter.samples !== storedTs.length || meter.operatingMs !== expectedMs) {
  failures.push(`hour meter: ${meter.samples} samples / ${meter.operatingMs} ms counted, expected ${storedTs.length} / ${expectedMs} ms from the stored readings`);
}
log(`hour meter: ${meter.samples} samples, ${meter.operatingMs} ms operating (expected ${storedTs.length}, ${expectedMs} ms)`);

let run = await call<{ id: string; status: string; result?: { outcomes: { outcome: string }[] } }>('POST', '/invoice-runs', { period: lastMonth.slice(0, 7) });
await waitFor('invoice run', async () => (run = await call('GET', `/invoice-runs/${run.id}`)).status !== 'running', { timeoutMs: 60_000 });
const failedInvoices = run.result?.outcomes.filter((o) => o.outcome === 'failed').length ?? 0;
const invoiceErrors = run.status === 'succeeded' ? failedInvoices : Math.max(1, failedInvoices);

polling = false;
await poller;
await topology.close();
work.cleanup();
log(`took ${Math.round((Date.now() - started) / 1000)} s`);
for (const f of failures) log(`failed: ${f}`);
const readyPct = readyChecks === 0 ? 0 : (100 * readyUp) / readyChecks;
process.stdout.write(`chaos: ${faults.length} faults, ${acked.size} readings acknowledged, ${lost} lost, ${duplicated} duplicated, ${invoiceErrors} invoice errors, ready ${readyPct.toFixed(1)}% of the time\n`);
process.exit(failures.length === 0 && lost === 0 && duplicated === 0 && invoiceErrors === 0 ? 0 : 1);
