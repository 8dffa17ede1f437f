import { expGrowth, isOn, type ModelKind, type ModelSpec, type PhysState } from './model-spec.js';

const dmg = (s: PhysState, mode: string): number => s.damage[mode] ?? 0;

// ------------------------------------------------------------ centrifugal pump

/** Overall velocity RMS, mm/s (ISO 10816-3: zone A below ~2.8, zone D above ~7.1 for this size). */
function pumpVibration(s: PhysState): number {
  if (!isOn(s)) return 0.05;
  const healthy = 1.1 + 1.4 * s.load;
  return healthy * (1 + 3.5 * expGrowth(dmg(s, 'bearing_wear'), 4.5));
}

export const PUMP: ModelSpec = {
  kind: 'pump',
  asset: {
    code: 'SIM-PUMP-CP200',
    name: 'Centrifugal pump CP200 (simulated)',
    manufacturer: 'Hourmeter Simulator',
    runningRule: { kind: 'boolean', metric: 'running' },
    maxGapSeconds: 900,
    warrantyMonths: 24,
    leadTimeHours: 72,
    prediction: {
      failureModes: [
        { pattern: 'vibration*', failureMode: 'bearing_wear' },
        { pattern: 'bearing*', failureMode: 'bearing_wear' },
        { pattern: 'motor_current*', failureMode: 'bearing_wear' },
        { pattern: 'discharge_pressure*', failureMode: 'seal_leak' },
        { pattern: 'suction_pressure*', failureMode: 'seal_leak' },
        { pattern: 'flow*', failureMode: 'seal_leak' },
      ],
      suggestedParts: { bearing_wear: ['CP200-BRG-KIT'], seal_leak: ['CP200-SEAL-KIT'] },
    },
  },
  idleLoad: 0.15,
  regimes: [
    { load: 0.55, weight: 0.3 },
    { load: 0.8, weight: 0.5 },
    { load: 1.0, weight: 0.2 },
  ],
  referenceLoad: 0.8,
  duty: { runMeanHours: 8, idleMeanHours: 1, stopMeanHours: 3, regimeMeanHours: 3, runToStop: 0.3, idleToStop: 0.25 },
  failureModes: [
    { id: 'bearing_wear', lifeShape: 2.5, lifeScaleHours: 1800, loadExponent: 3, indicator: { metric: 'vibration_rms_mm_s', direction: 1 } },
    { id: 'seal_leak', lifeShape: 1.8, lifeScaleHours: 2600, loadExponent: 1.5, indicator: { metric: 'discharge_pressure_bar', direction: -1 } },
  ],
  lags: [
    {
      // Friction heat from a worn bearing: the temperature follows the vibration.
      name: 'bearing_temp',
      tauHours: 0.75,
      target: (s) => (isOn(s) ? s.ambientC + 12 + 18 * s.load + 4 * (pumpVibration(s) - (1.1 + 1.4 * s.load)) : s.ambientC),
    },
  ],
  signals: [
    // The operating load, as PLCs report it: prediction learns a baseline per load level.
    { name: 'load_pct', sensor: { noiseSd: 0, driftSd: 0 }, value: (s) => (isOn(s) ? 100 * s.load : 0), exact: true },
    { name: 'vibration_rms_mm_s', sensor: { noiseSd: 0.08, driftSd: 0.03, min: 0 }, value: pumpVibration },
    { name: 'bearing_temp_c', sensor: { noiseSd: 0.25, driftSd: 0.3 }, value: (s) => s.lag['bearing_temp'] ?? s.ambientC },
    {
      // A leaking mechanical seal recirculates flow: head (discharge pressure) falls.
      name: 'discharge_pressure_bar',
      sensor: { noiseSd: 0.03, driftSd: 0.02, min: 0 },
      value: (s) => (isOn(s) ? (2 + 4.5 * s.load) * (1 - 0.4 * Math.pow(dmg(s, 'seal_leak'), 1.6)) : 0.2),
    },
    { name: 'suction_pressure_bar', sensor: { noiseSd: 0.02, driftSd: 0.01, min: 0 }, value: (s) => 1.2 - (isOn(s) ? 0.15 * s.load : 0) },
    {
      name: 'flow_m3h',
      sensor: { noiseSd: 0.8, driftSd: 0.5, min: 0 },
      value: (s) => (isOn(s) ? 120 * s.load * (1 - 0.15 * Math.pow(dmg(s, 'seal_leak'), 1.6)) : 0),
    },
    {
      name: 'motor_current_a',
      sensor: { noiseSd: 0.15, driftSd: 0.05, min: 0 },
      value: (s) => (isOn(s) ? (6 + 24 * s.load) * (1 + 0.06 * expGrowth(dmg(s, 'bearing_wear'), 4.5)) : 0),
    },
  ],
  booleans: (s) => ({ running: isOn(s) }),
};

// ------------------------------------------------------------ air compressor

export const COMPRESSOR: ModelSpec = {
  kind: 'compressor',
  asset: {
    code: 'SIM-COMP-AC75',
    name: 'Air compressor AC75 (simulated)',
    manufacturer: 'Hourmeter Simulator',
    // The motor runs loaded or unloaded; either counts, as a compressor's hour meter does.
    runningRule: { kind: 'threshold', metric: 'motor_current_a', above: 5 },
    maxGapSeconds: 900,
    warrantyMonths: 18,
    leadTimeHours: 96,
    prediction: {
      failureModes: [
        { pattern: 'discharge_*', failureMode: 'valve_wear' },
        { pattern: 'oil_temp*', failureMode: 'valve_wear' },
        { pattern: 'motor_current*', failureMode: 'valve_wear' },
      ],
      suggestedParts: { valve_wear: ['AC75-VALVE-KIT'] },
    },
  },
  idleLoad: 0,
  regimes: [
    { load: 0.6, weight: 0.3 },
    { load: 0.8, weight: 0.45 },
    { load: 1.0, weight: 0.25 },
  ],
  referenceLoad: 0.8,
  duty: { runMeanHours: 2, idleMeanHours: 0.5, stopMeanHours: 6, regimeMeanHours: 1, runToStop: 0.15, idleToStop: 0.2 },
  failureModes: [
    // Leaking valves re-compress hot air: discharge temperature and work per unit of air go up.
    { id: 'valve_wear', lifeShape: 2.2, lifeScaleHours: 1400, loadExponent: 2, indicator: { metric: 'discharge_temp_c', direction: 1 } },
  ],
  lags: [
    {
      name: 'discharge_temp',
      tauHours: 0.25,
      target: (s) =>
        s.state === 'running'
          ? s.ambientC + 60 + 30 * s.load + 40 * expGrowth(dmg(s, 'valve_wear'), 3)
          : s.state === 'idle'
            ? s.ambientC + 30 + 10 * dmg(s, 'valve_wear')
            : s.ambientC,
    },
    {
      name: 'oil_temp',
      tauHours: 1.5,
      target: (s) =>
        s.state === 'running' ? s.ambientC + 35 + 15 * s.load + 8 * dmg(s, 'valve_wear') : s.state === 'idle' ? s.ambientC + 25 : s.ambientC,
    },
  ],
  signals: [
    // The operating load, as PLCs report it: prediction learns a baseline per load level.
    { name: 'load_pct', sensor: { noiseSd: 0, driftSd: 0 }, value: (s) => (isOn(s) ? 100 * s.load : 0), exact: true },
    {
      name: 'motor_current_a',
      sensor: { noiseSd: 0.2, driftSd: 0.1, min: 0 },
      value: (s) =>
        s.state === 'running'
          ? 40 * (0.55 + 0.45 * s.load) * (1 + 0.2 * expGrowth(dmg(s, 'valve_wear'), 3))
          : s.state === 'idle'
            ? 14 * (1 + 0.05 * dmg(s, 'valve_wear'))
            : 0,
    },
    { name: 'discharge_temp_c', sensor: { noiseSd: 0.3, driftSd: 0.3 }, value: (s) => s.lag['discharge_temp'] ?? s.ambientC },
    { name: 'oil_temp_c', sensor: { noiseSd: 0.2, driftSd: 0.2 }, value: (s) => s.lag['oil_temp'] ?? s.ambientC },
    {
      name: 'discharge_pressure_bar',
      sensor: { noiseSd: 0.03, driftSd: 0.02, min: 0 },
      value: (s) =>
        s.state === 'running' ? (6.5 + 1.5 * s.load) * (1 - 0.08 * Math.pow(dmg(s, 'valve_wear'), 2)) : s.state === 'idle' ? 6 : 0.5,
    },
  ],
  booleans: (s) => ({ running: isOn(s), loaded: s.state === 'running' }),
};

// ------------------------------------------------------------ motor + gearbox

/** Shaft-order vibration components, mm/s. Misalignment shows mostly at 2x (and 3x) shaft speed. */
function orders(s: PhysState): [number, number, number] {
  if (!isOn(s)) return [0.03, 0.02, 0.01];
  const m = dmg(s, 'misalignment');
  return [0.9 + 0.5 * s.load + 1.6 * Math.pow(m, 1.5), 0.35 + 0.15 * s.load + 5.5 * expGrowth(m, 3.5), 0.12 + 1.5 * m * m];
}

export const GEARBOX: ModelSpec = {
  kind: 'gearbox',
  asset: {
    code: 'SIM-GBX-G40',
    name: 'Motor-gearbox G40 (simulated)',
    manufacturer: 'Hourmeter Simulator',
    // The drive controller keeps its own operating-hours register.
    runningRule: { kind: 'counter', metric: 'operating_hours', unit: 'hours' },
    maxGapSeconds: 1800,
    warrantyMonths: 36,
    leadTimeHours: 120,
    prediction: {
      failureModes: [
        { pattern: 'vib_*', failureMode: 'misalignment' },
        { pattern: 'vibration*', failureMode: 'misalignment' },
        { pattern: 'winding_temp*', failureMode: 'winding_insulation' },
        { pattern: 'oil_temp*', failureMode: 'winding_insulation' },
        { pattern: 'motor_current*', failureMode: 'winding_insulation' },
      ],
      suggestedParts: { misalignment: ['G40-COUPLING-KIT'], winding_insulation: ['G40-MOTOR-REWIND'] },
    },
  },
  idleLoad: 0.1,
  regimes: [
    { load: 0.5, weight: 0.3 },
    { load: 0.75, weight: 0.5 },
    { load: 1.0, weight: 0.2 },
  ],
  referenceLoad: 0.75,
  duty: { runMeanHours: 12, idleMeanHours: 0.5, stopMeanHours: 8, regimeMeanHours: 4, runToStop: 0.4, idleToStop: 0.3 },
  failureModes: [
    { id: 'misalignment', lifeShape: 2, lifeScaleHours: 2200, loadExponent: 1.2, indicator: { metric: 'vib_2x_mm_s', direction: 1 } },
    // Insulation ageing raises winding losses and temperature (Arrhenius: heat is load squared).
    { id: 'winding_insulation', lifeShape: 3, lifeScaleHours: 3500, loadExponent: 2, indicator: { metric: 'winding_temp_c', direction: 1 } },
  ],
  lags: [
    {
      name: 'winding_temp',
      tauHours: 1.2,
      target: (s) => (isOn(s) ? s.ambientC + (25 + 55 * s.load * s.load) * (1 + 0.7 * expGrowth(dmg(s, 'winding_insulation'), 3)) : s.ambientC),
    },
    {
      name: 'oil_temp',
      tauHours: 3,
      target: (s) => (isOn(s) ? s.ambientC + 18 + 22 * s.load + 10 * Math.pow(dmg(s, 'misalignment'), 1.5) : s.ambientC),
    },
  ],
  signals: [
    // The operating load, as PLCs report it: prediction learns a baseline per load level.
    { name: 'load_pct', sensor: { noiseSd: 0, driftSd: 0 }, value: (s) => (isOn(s) ? 100 * s.load : 0), exact: true },
    { name: 'operating_hours', sensor: { noiseSd: 0, driftSd: 0 }, value: (s) => s.operatingHours, exact: true },
    { name: 'shaft_speed_rpm', sensor: { noiseSd: 1, driftSd: 0.5, min: 0 }, value: (s) => (isOn(s) ? 1490 - 25 * s.load : 0) },
    { name: 'vib_1x_mm_s', sensor: { noiseSd: 0.05, driftSd: 0.02, min: 0 }, value: (s) => orders(s)[0] },
    { name: 'vib_2x_mm_s', sensor: { noiseSd: 0.05, driftSd: 0.02, min: 0 }, value: (s) => orders(s)[1] },
    { name: 'vib_3x_mm_s', sensor: { noiseSd: 0.03, driftSd: 0.01, min: 0 }, value: (s) => orders(s)[2] },
    {
      name: 'vibration_rms_mm_s',
      sensor: { noiseSd: 0.06, driftSd: 0.02, min: 0 },
      value: (s) => {
        const [a, b, c] = orders(s);
        const broadband = isOn(s) ? 0.4 : 0.03;
        return Math.sqrt(a * a + b * b + c * c + broadband * broadband);
      },
    },
    {
      name: 'motor_current_a',
      sensor: { noiseSd: 0.2, driftSd: 0.05, min: 0 },
      value: (s) => (isOn(s) ? (10 + 35 * s.load) * (1 + 0.04 * dmg(s, 'misalignment')) : 0),
    },
    { name: 'winding_temp_c', sensor: { noiseSd: 0.3, driftSd: 0.3 }, value: (s) => s.lag['winding_temp'] ?? s.ambientC },
    { name: 'oil_temp_c', sensor: { noiseSd: 0.2, driftSd: 0.2 }, value: (s) => s.lag['oil_temp'] ?? s.ambientC },
  ],
  booleans: (s) => ({ running: isOn(s) }),
};

export const MODELS: Readonly<Record<ModelKind, ModelSpec>> = { pump: PUMP, compressor: COMPRESSOR, gearbox: GEARBOX };

/**
 * Which simulated model a registered model code stands for, e.g. the demo
 * fleet's `DEMO-PUMP-CP200`, `DEMO-COMP-AC75`, `DEMO-GBX-G40`.
 */
export function modelKindForCode(code: string): ModelKind | undefined {
  const c = code.toLowerCase();
  if (c.includes('pump')) return 'pump';
  if (c.includes('comp')) return 'compressor';
  if (c.includes('gbx') || c.includes('gear') || c.includes('motor')) return 'gearbox';
  return undefined;
}
