import type { AssetModelInput } from '@hourmeter/domain';
import type { SensorSpec } from './sensor.js';

export type OperatingState = 'running' | 'idle' | 'stopped' | 'failed';

/** The physical state the signal formulas read (damage is hidden from the platform). */
export interface PhysState {
  state: OperatingState;
  /** Fraction of rated load in the current regime; the idle load while idle, 0 when still. */
  load: number;
  /** Per failure mode, 0 = as new, 1 = failed. */
  damage: Readonly<Record<string, number>>;
  ambientC: number;
  /** Lagged (thermal) states by name. */
  lag: Readonly<Record<string, number>>;
  operatingHours: number;
}

export interface FailureModeSpec {
  id: string;
  /**
   * Life in operating hours at the reference load, drawn per asset from a
   * Weibull law (shape > 1 = wear-out, the regime predictive maintenance is for).
   */
  lifeShape: number;
  lifeScaleHours: number;
  /** Damage rate scales with (load / reference load)^exponent; 3 for rolling bearings (L10 law). */
  loadExponent: number;
  /** The metric that shows this mode, and which way it moves as damage grows. */
  indicator: { metric: string; direction: 1 | -1 };
}

/** A first-order lag: temperatures approach their target with a time constant. */
export interface LagSpec {
  name: string;
  tauHours: number;
  target(s: PhysState): number;
}

export interface SignalSpec {
  /** Metric name as published; must match the domain MetricName pattern. */
  name: string;
  sensor: SensorSpec;
  /** True physical value; the sensor adds noise and drift. */
  value(s: PhysState): number;
  /** Counters come from the device's own register: no noise, no drift. */
  exact?: boolean;
}

export interface DutySpec {
  runMeanHours: number;
  idleMeanHours: number;
  stopMeanHours: number;
  /** Mean time between load-regime changes while running. */
  regimeMeanHours: number;
  /** Probability that running ends in a stop rather than idling; same for idle. */
  runToStop: number;
  idleToStop: number;
}

export const MODEL_KINDS = ['pump', 'compressor', 'gearbox'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface ModelSpec {
  kind: ModelKind;
  /** What is registered through the API (code, name, running rule for the hour meter). */
  asset: AssetModelInput;
  /** Load while idling (motor turning, no useful work). */
  idleLoad: number;
  /** Load levels while running and how often each is used. */
  regimes: readonly { load: number; weight: number }[];
  referenceLoad: number;
  duty: DutySpec;
  failureModes: readonly FailureModeSpec[];
  lags: readonly LagSpec[];
  signals: readonly SignalSpec[];
  booleans(s: PhysState): Record<string, boolean>;
}

export const isOn = (s: PhysState): boolean => s.state === 'running' || s.state === 'idle';

/**
 * Normalised exponential growth, 0 at d = 0 and 1 at d = 1. Spall growth in a
 * bearing (and most fatigue damage) feeds on itself, so indicators stay flat
 * for most of the life and then climb steeply: the P-F curve.
 */
export function expGrowth(d: number, steepness: number): number {
  return (Math.exp(steepness * d) - 1) / (Math.exp(steepness) - 1);
}
