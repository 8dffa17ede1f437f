import type { Logger } from '@hourmeter/runtime';
import {
  type DevicesFile,
  createDeviceRunner,
  type DeviceCounters,
  type FaultConfigInput,
  type ProvisionSpec,
  type Runner,
  type RunnerStats,
} from '@hourmeter/sim-common';
import { AssetSource } from './asset-source.js';
import { AssetSim } from './physics/asset.js';
import type { ModelKind } from './physics/model-spec.js';
import { MODELS, modelKindForCode } from './physics/models.js';

export interface FleetDevice {
  /** Device id = MQTT client id and user name. */
  id: string;
  /** Omitted for a broker without authentication. */
  password?: string;
  model: ModelKind;
}

export interface FleetOptions {
  mqttUrl: string;
  devices: FleetDevice[];
  seed: number;
  /** Readings per device per wall-clock second. */
  rate: number;
  /** Simulated seconds per wall-clock second. */
  speed: number;
  /** Simulated epoch ms of the first reading; see `defaultSimStart`. */
  simStartMs: number;
  /**
   * Keep simulated time from passing this clock (usually `Date.now`): a start
   * in the past is caught up at `speed`, then readings follow the clock.
   */
  followNow?: () => number;
  /** Wear the assets already have at the start (0..1, upper bound per mode); default 0.5. */
  initialWear?: number;
  faults?: FaultConfigInput;
  logger?: Logger;
  connectConcurrency?: number;
  keepaliveSeconds?: number;
  subscribe?: boolean;
}

export interface FleetStats extends RunnerStats {
  /** Failures by failure mode so far. */
  failuresByMode: Record<string, number>;
  /** Simulated time of the latest reading. */
  simNowMs: number;
}

export interface Fleet {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): FleetStats;
  perDevice(): Map<string, DeviceCounters>;
  /** The assets' physics, by device id (tests inspect hidden health through it). */
  readonly assets: ReadonlyMap<string, AssetSim>;
  readonly runner: Runner;
}

/**
 * Where simulated time starts. At real-time speed, now. Faster than real time,
 * in the past, so that timestamps do not run into the future, which the
 * platform rejects (MAX_FUTURE_SKEW_MS): by the run's simulated length when it
 * is known, else by a year.
 */
export function defaultSimStart(speed: number, durationSeconds?: number, nowMs = Date.now()): number {
  if (speed <= 1) return nowMs;
  const aheadMs = durationSeconds !== undefined ? durationSeconds * speed * 1000 : 365 * 86_400_000;
  return nowMs - Math.round(aheadMs);
}

/**
 * A simulated fleet as a library: the CLI, tests and `npm start -- --demo`
 * use it in-process. Physics per asset is seeded by (seed, device index), so
 * a run is reproducible whatever the transport does.
 */
export function createFleet(opts: FleetOptions): Fleet {
  if (!(opts.speed > 0)) throw new Error('speed must be > 0');
  if (!(opts.rate > 0)) throw new Error('rate must be > 0');
  const intervalSeconds = opts.speed / opts.rate;
  const n = opts.devices.length;
  const assets = new Map<string, AssetSim>();
  const runner = createDeviceRunner({
    mqttUrl: opts.mqttUrl,
    seed: opts.seed,
    rate: opts.rate,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.connectConcurrency ? { connectConcurrency: opts.connectConcurrency } : {}),
    ...(opts.keepaliveSeconds ? { keepaliveSeconds: opts.keepaliveSeconds } : {}),
    ...(opts.subscribe !== undefined ? { subscribe: opts.subscribe } : {}),
    devices: opts.devices.map((d, i) => {
      // Device i reads at (k + i/n) intervals: the same phase the runner schedules it at.
      const sim = new AssetSim({
        spec: MODELS[d.model],
        seed: opts.seed,
        index: i,
        startMs: opts.simStartMs + Math.round((i / Math.max(1, n)) * intervalSeconds * 1000),
        initialWear: opts.initialWear ?? 0.5,
      });
      assets.set(d.id, sim);
      return { id: d.id, ...(d.password !== undefined ? { password: d.password } : {}), source: new AssetSource(sim, intervalSeconds, opts.followNow) };
    }),
  });
  return {
    assets,
    runner,
    start: () => runner.start(),
    stop: () => runner.stop(),
    perDevice: () => runner.perDevice(),
    stats() {
      const failuresByMode: Record<string, number> = {};
      let simNowMs = 0;
      for (const sim of assets.values()) {
        for (const f of sim.failureLog) failuresByMode[f.mode] = (failuresByMode[f.mode] ?? 0) + 1;
        simNowMs = Math.max(simNowMs, sim.nowMs);
      }
      return { ...runner.stats(), failuresByMode, simNowMs };
    },
  };
}

export const SIM_CUSTOMER_REF = 'sim-fleet';
const ASSETS_PER_SITE = 500;

/** Serial number of simulated asset i: stable across runs, so provisioning finds it again. */
export function simSerial(model: ModelKind, index: number): string {
  return `${MODELS[model].asset.code}-${String(index + 1).padStart(6, '0')}`;
}

/** Model of asset i when a fleet mixes models: round-robin, so every model is represented. */
export function modelOfIndex(models: readonly ModelKind[], index: number): ModelKind {
  return models[index % models.length]!;
}

/** The registry records a fleet of `assets` assets needs (see `provisionFleet`). */
export function fleetProvisionSpec(assets: number, models: readonly ModelKind[]): ProvisionSpec {
  const siteCount = Math.max(1, Math.ceil(assets / ASSETS_PER_SITE));
  return {
    customer: { externalRef: SIM_CUSTOMER_REF, name: 'Simulated Fleet Co.', currency: 'EUR' },
    sites: Array.from({ length: siteCount }, (_, i) => `Simulated site ${i + 1}`),
    models: [...new Set(models)].map((m) => MODELS[m].asset),
    assets: Array.from({ length: assets }, (_, i) => {
      const model = modelOfIndex(models, i);
      return { serialNumber: simSerial(model, i), modelCode: MODELS[model].asset.code, siteIndex: Math.floor(i / ASSETS_PER_SITE), commissionedOn: '2025-09-01' };
    }),
  };
}

/**
 * Devices of a credentials file (`data/demo-devices.json` from `npm start -- --demo`)
 * as fleet devices: the model is recognised from its code (DEMO-PUMP-..., -COMP-, -GBX-).
 */
export function devicesFromFile(file: DevicesFile, limit = file.devices.length): FleetDevice[] {
  return file.devices.slice(0, limit).map((d) => {
    const model = modelKindForCode(d.model);
    if (!model) throw new Error(`device ${d.username}: model ${d.model} maps to none of pump, compressor, gearbox`);
    return { id: d.username, password: d.password, model };
  });
}
