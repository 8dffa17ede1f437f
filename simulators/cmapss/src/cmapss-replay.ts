import { cmapssFiles, loadTestUnits, loadTrainUnits, type CmapssSetName, type CmapssUnit } from '@hourmeter/cmapss';
import type { AssetModelInput } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import { createDeviceRunner, type FaultConfigInput, type ProvisionSpec, type Runner } from '@hourmeter/sim-common';
import { UnitReplaySource, type ReplayTiming } from './replay.js';

export type CmapssSplit = 'train' | 'test';

/** Loads the requested units of one subset; unknown unit numbers are an error, not silently skipped. */
export async function loadReplayUnits(dataDir: string, set: CmapssSetName, split: CmapssSplit, units: readonly number[]): Promise<CmapssUnit[]> {
  const files = cmapssFiles(dataDir, set);
  const all = split === 'train' ? await loadTrainUnits(files.train) : await loadTestUnits(files.test, files.rul);
  const byNumber = new Map(all.map((u) => [u.unit, u]));
  const missing = units.filter((u) => !byNumber.has(u));
  if (missing.length > 0) throw new Error(`${set} ${split} has units 1-${all.length}; not found: ${missing.join(', ')}`);
  return units.map((u) => byNumber.get(u)!);
}

/**
 * Default start: so that the longest unit's last cycle lands just before now
 * (the platform refuses readings from the future).
 */
export function defaultReplayStart(units: readonly CmapssUnit[], hoursPerCycle: number, nowMs = Date.now()): number {
  const longest = Math.max(...units.map((u) => u.rows.length));
  return nowMs - Math.ceil((longest + 1) * hoursPerCycle * 3_600_000);
}

export const CMAPSS_MODEL_CODE = 'SIM-CMAPSS-TURBOFAN';

export function cmapssAssetModel(hoursPerCycle: number): AssetModelInput {
  return {
    code: CMAPSS_MODEL_CODE,
    name: 'Turbofan engine (NASA C-MAPSS replay)',
    manufacturer: 'NASA C-MAPSS',
    // One reading per cycle, possibly hours apart: count the counter, not gaps.
    runningRule: { kind: 'counter', metric: 'operating_hours', unit: 'hours' },
    maxGapSeconds: Math.min(86_400, Math.max(900, Math.ceil(hoursPerCycle * 3600 * 2))),
    warrantyMonths: 24,
    leadTimeHours: 72,
  };
}

export function cmapssSerial(set: CmapssSetName, split: CmapssSplit, unit: number): string {
  return `CMAPSS-${set}-${split.toUpperCase()}-U${String(unit).padStart(3, '0')}`;
}

export function cmapssProvisionSpec(set: CmapssSetName, split: CmapssSplit, units: readonly number[], hoursPerCycle: number): ProvisionSpec {
  return {
    customer: { externalRef: 'sim-cmapss', name: 'C-MAPSS Replay Airline', currency: 'EUR' },
    sites: ['C-MAPSS test cell'],
    models: [cmapssAssetModel(hoursPerCycle)],
    assets: units.map((u) => ({ serialNumber: cmapssSerial(set, split, u), modelCode: CMAPSS_MODEL_CODE, siteIndex: 0, commissionedOn: '2025-01-01' })),
  };
}

export interface CmapssReplayOptions {
  mqttUrl: string;
  /** One device per unit, in the same order as `units`. */
  devices: { id: string; password?: string }[];
  units: readonly CmapssUnit[];
  timing: ReplayTiming;
  /** Cycles per device per wall-clock second. */
  rate: number;
  seed?: number;
  faults?: FaultConfigInput;
  logger?: Logger;
  connectConcurrency?: number;
}

/** Replays C-MAPSS units as MQTT devices; `runner.allFinished` resolves when every unit has been sent. */
export function createCmapssReplay(opts: CmapssReplayOptions): Runner {
  if (opts.devices.length !== opts.units.length) throw new Error(`${opts.units.length} units but ${opts.devices.length} devices`);
  return createDeviceRunner({
    mqttUrl: opts.mqttUrl,
    rate: opts.rate,
    seed: opts.seed ?? 1,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.connectConcurrency ? { connectConcurrency: opts.connectConcurrency } : {}),
    devices: opts.units.map((unit, i) => {
      const d = opts.devices[i]!;
      return { id: d.id, ...(d.password !== undefined ? { password: d.password } : {}), source: new UnitReplaySource(unit, opts.timing) };
    }),
  });
}
