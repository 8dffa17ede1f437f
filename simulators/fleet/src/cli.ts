/**
 * `npm run simulate -- ...`: a synthetic fleet or a C-MAPSS replay as MQTT
 * devices, with a live progress line on stderr. See `--help`.
 */
import { MAX_FUTURE_SKEW_MS } from '@hourmeter/domain';
import { createLogger, type Logger } from '@hourmeter/runtime';
import { createCmapssReplay, cmapssProvisionSpec, defaultReplayStart, loadReplayUnits } from '@hourmeter/sim-cmapss';
import {
  ApiClient,
  FAULT_KINDS,
  compareIngest,
  cpuPercentBetween,
  ingestDelta,
  progressLine,
  provisionFleet,
  readDevicesFile,
  type CounterMismatch,
  type DeviceLink,
  type PlatformIngestCounters,
  type RunnerStats,
} from '@hourmeter/sim-common';
import { USAGE, UsageError, parseCli, type CliConfig } from './cli-args.js';
import { createFleet, defaultSimStart, devicesFromFile, fleetProvisionSpec, modelOfIndex, type FleetDevice } from './fleet.js';
import type { ModelKind } from './physics/model-spec.js';
import { MODELS } from './physics/models.js';

interface Sim {
  readonly links: readonly DeviceLink[];
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): RunnerStats & { simNowMs?: number; failuresByMode?: Record<string, number> };
  allFinished?: Promise<void>;
}

interface Credentials {
  id: string;
  password?: string;
  model?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

async function fleetDevices(cfg: CliConfig, logger: Logger): Promise<FleetDevice[]> {
  if (cfg.devicesFile) {
    const file = readDevicesFile(cfg.devicesFile);
    try {
      return devicesFromFile(file, cfg.assets ?? file.devices.length);
    } catch (err) {
      throw new UsageError(`${cfg.devicesFile}: ${(err as Error).message}`);
    }
  }
  const n = cfg.assets ?? 10;
  if (!cfg.provision) return Array.from({ length: n }, (_, i) => ({ id: `sim-${modelOfIndex(cfg.models, i)}-${i + 1}`, model: modelOfIndex(cfg.models, i) }));
  const t0 = performance.now();
  process.stderr.write(`provisioning ${n} assets through ${cfg.api} ...\n`);
  const provisioned = await provisionFleet(new ApiClient(cfg.api, cfg.apiKey!), fleetProvisionSpec(n, cfg.models), logger);
  process.stderr.write(`provisioned ${provisioned.length} devices in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return provisioned.map((d, i) => ({ id: d.deviceId, password: d.password, model: modelOfIndex(cfg.models, i) }));
}

/**
 * The hour meter counts running time only across gaps up to the model's
 * maxGapSeconds: one reading per `speed / rate` simulated seconds beyond that
 * shows up as zero operating hours (counter models excepted).
 */
function warnAboutGaps(cfg: CliConfig, models: ModelKind[]): void {
  const interval = cfg.speed / cfg.rate;
  for (const m of models) {
    const spec = MODELS[m].asset;
    if (spec.runningRule?.kind !== 'counter' && interval > (spec.maxGapSeconds ?? 900)) {
      process.stderr.write(
        `warning: ${m}: one reading per ${interval.toFixed(0)} simulated s exceeds the model's maxGapSeconds ${spec.maxGapSeconds}: ` +
          `the hour meter will not count its running time (raise --rate or lower --speed)\n`,
      );
    }
  }
}

async function buildSim(cfg: CliConfig, logger: Logger): Promise<{ sim: Sim; describe: string }> {
  const common = { mqttUrl: cfg.mqtt, seed: cfg.seed, rate: cfg.rate, faults: cfg.faults, logger, connectConcurrency: cfg.connectConcurrency };
  if (cfg.mode === 'fleet') {
    const devices = await fleetDevices(cfg, logger);
    const simStartMs = cfg.startMs ?? defaultSimStart(cfg.speed, cfg.durationSeconds);
    const fleet = createFleet({
      ...common,
      devices,
      speed: cfg.speed,
      simStartMs,
      initialWear: cfg.initialWear,
      subscribe: cfg.subscribe,
    });
    warnAboutGaps(cfg, [...new Set(devices.map((d) => d.model))]);
    const counts = devices.reduce<Record<string, number>>((acc, d) => ((acc[d.model] = (acc[d.model] ?? 0) + 1), acc), {});
    return {
      sim: { ...fleet, links: fleet.runner.links },
      describe: `${devices.length} assets (${Object.entries(counts).map(([m, c]) => `${c} ${m}`).join(', ')}), rate ${cfg.rate}/s each, speed x${cfg.speed}, seed ${cfg.seed}, simulated start ${iso(simStartMs)}`,
    };
  }
  const c = cfg.cmapss!;
  const units = await loadReplayUnits(c.dataDir, c.set, c.split, c.units);
  let creds: Credentials[];
  if (cfg.devicesFile) {
    const file = readDevicesFile(cfg.devicesFile);
    if (file.devices.length < units.length) throw new UsageError(`${cfg.devicesFile} has ${file.devices.length} devices for ${units.length} units`);
    creds = file.devices.slice(0, units.length).map((d) => ({ id: d.username, password: d.password }));
  } else if (!cfg.provision) {
    creds = units.map((u) => ({ id: `cmapss-${c.set.toLowerCase()}-${c.split}-u${u.unit}` }));
  } else {
    process.stderr.write(`provisioning ${units.length} engines through ${cfg.api} ...\n`);
    const provisioned = await provisionFleet(new ApiClient(cfg.api, cfg.apiKey!), cmapssProvisionSpec(c.set, c.split, c.units, c.hoursPerCycle), logger);
    creds = provisioned.map((d) => ({ id: d.deviceId, password: d.password }));
  }
  const startMs = cfg.startMs ?? defaultReplayStart(units, c.hoursPerCycle);
  const replay = createCmapssReplay({
    ...common,
    devices: creds.map((d) => ({ id: d.id, ...(d.password !== undefined ? { password: d.password } : {}) })),
    units,
    timing: { startMs, hoursPerCycle: c.hoursPerCycle },
  });
  const cycles = units.reduce((s, u) => s + u.rows.length, 0);
  return {
    sim: replay,
    describe: `C-MAPSS ${c.set} ${c.split} units ${c.units[0]}-${c.units[c.units.length - 1]} (${units.length} engines, ${cycles} cycles), ${cfg.rate} cycles/s each, ${c.hoursPerCycle} h per cycle from ${iso(startMs)}`,
  };
}

/** Every device's ingest counters on the platform (cumulative since the platform started). */
async function platformCounters(cfg: CliConfig, links: readonly DeviceLink[]): Promise<Map<string, PlatformIngestCounters>> {
  const api = new ApiClient(cfg.api, cfg.apiKey!);
  const out = new Map<string, PlatformIngestCounters>();
  let next = 0;
  const worker = async () => {
    while (next < links.length) {
      const id = links[next++]!.id;
      out.set(id, await api.get<PlatformIngestCounters>(`/devices/${encodeURIComponent(id)}/ingest`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, links.length) }, worker));
  return out;
}

/** Compares what the platform counted during this run with what the simulator sent and injected. */
async function verify(cfg: CliConfig, links: readonly DeviceLink[], before: Map<string, PlatformIngestCounters>): Promise<CounterMismatch[]> {
  const after = await platformCounters(cfg, links);
  return links.flatMap((l) => compareIngest(l.id, l.counters, ingestDelta(after.get(l.id)!, before.get(l.id)), l.pending));
}

function summary(s: RunnerStats & { failuresByMode?: Record<string, number> }, atStart: RunnerStats): string {
  const t = s.totals;
  const secs = s.elapsedMs / 1000;
  const faults = FAULT_KINDS.filter((k) => t.faults[k] > 0).map((k) => `${k}=${t.faults[k]}`);
  const lines = [
    `connect: ${s.everConnected}/${s.devices} devices connected at least once; first attempts of all settled in ${((s.connectMs ?? 0) / 1000).toFixed(2)} s`,
    `readings: produced ${t.produced}, sent ${t.readingsSent}, acked ${t.readingsAcked}, pending ${s.pending} in ${secs.toFixed(1)} s = ${(t.readingsSent / Math.max(secs, 1e-9)).toFixed(0)} readings/s (${t.messagesSent} messages)`,
    `simulator: cpu ${(s.usage.cpuMs / 1000).toFixed(1)} s in all (connect phase ${(atStart.usage.cpuMs / 1000).toFixed(1)} s); steady state ${cpuPercentBetween(atStart.usage, s.usage).toFixed(1)}% of one core; rss ${(s.usage.rssBytes / 1_048_576).toFixed(0)} MB, heap ${(s.usage.heapUsedBytes / 1_048_576).toFixed(0)} MB`,
    `failures: ${s.failures}${s.failuresByMode && Object.keys(s.failuresByMode).length ? ` (${Object.entries(s.failuresByMode).map(([m, c]) => `${m} ${c}`).join(', ')})` : ''}, down now ${s.failedNow}`,
    `connections: ${t.connects} sessions, ${t.connectFailures} failed attempts (CONNACK refusals by code ${JSON.stringify(t.connackRefusals)}), ${t.authRefused} refused credentials, errors received ${t.errorsReceived}${Object.keys(t.errorCodes).length ? ` ${JSON.stringify(t.errorCodes)}` : ''}`,
  ];
  if (faults.length) lines.push(`faults injected: ${faults.join(' ')}; backlog batches ${t.backlogBatches} (${t.backlogReadings} readings)`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let cfg: CliConfig;
  try {
    cfg = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw err;
  }
  if (cfg.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const logger = createLogger({ level: cfg.logLevel, destination: process.stderr });
  let built: { sim: Sim; describe: string };
  try {
    built = await buildSim(cfg, logger);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const { sim } = built;
  // The platform counts since it started: take a baseline so --verify compares this run only.
  const baseline = cfg.verify ? await platformCounters(cfg, sim.links) : new Map<string, PlatformIngestCounters>();
  process.stderr.write(`simulating ${built.describe}\nMQTT ${cfg.mqtt}; connecting...\n`);
  const tty = process.stderr.isTTY;
  let stopping = false;
  let stopRequested: () => void = () => {};
  const stopSignal = new Promise<void>((r) => (stopRequested = r));
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    stopRequested();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Started before connecting, so the progress line also shows the connect phase.
  let prev: RunnerStats | undefined;
  let warnedFuture = false;
  const progress =
    cfg.progressMs > 0
      ? setInterval(() => {
          const s = sim.stats();
          const line = progressLine(s, prev);
          prev = s;
          process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
          if (!warnedFuture && s.simNowMs !== undefined && s.simNowMs > Date.now() + MAX_FUTURE_SKEW_MS) {
            warnedFuture = true;
            process.stderr.write(`\nwarning: simulated time ${iso(s.simNowMs)} is ahead of the wall clock: the platform will refuse these readings (use --start further back)\n`);
          }
        }, cfg.progressMs)
      : undefined;

  await sim.start();
  const s0 = sim.stats();
  process.stderr.write(`${tty ? '\r\x1b[2K' : ''}connected ${s0.connected}/${s0.devices} devices in ${((s0.connectMs ?? 0) / 1000).toFixed(2)} s\n`);
  const waits: Promise<unknown>[] = [stopSignal];
  if (cfg.durationSeconds !== undefined) waits.push(new Promise((r) => setTimeout(r, cfg.durationSeconds! * 1000)));
  if (sim.allFinished) waits.push(sim.allFinished);
  await Promise.race(waits);
  stopping = true;
  clearInterval(progress);
  // Stats before draining: the rate is that of the steady run, not of the shutdown.
  const final = sim.stats();
  process.stderr.write(`${tty ? '\r\x1b[2K' : ''}stopping (delivering buffered readings)...\n`);
  await sim.stop();
  const drained = sim.stats();
  process.stderr.write(`${summary({ ...final, totals: drained.totals, pending: drained.pending }, s0)}\n`);
  if (cfg.json) {
    const steadyCpuPercent = cpuPercentBetween(s0.usage, final.usage);
    process.stdout.write(`${JSON.stringify({ ...final, totals: drained.totals, pending: drained.pending, usageAfterConnect: s0.usage, steadyCpuPercent }, null, 2)}\n`);
  }
  if (drained.everConnected === 0) {
    process.stderr.write(`error: no device could connect to ${cfg.mqtt}\n`);
    return 1;
  }
  if (cfg.verify) {
    const mismatches = await verify(cfg, sim.links, baseline);
    if (mismatches.length === 0) {
      process.stderr.write(`verify: the platform's ingest counters of all ${sim.links.length} devices match what was sent and injected\n`);
    } else {
      process.stderr.write(`verify: ${mismatches.length} mismatches:\n`);
      for (const m of mismatches.slice(0, 50)) process.stderr.write(`  ${m.deviceId} ${m.field}: expected ${m.expected}, platform ${m.actual}\n`);
      return 3;
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
