import type { Prng } from '@hourmeter/sim-common';

export interface SensorSpec {
  /** White measurement noise, standard deviation in the metric's unit. */
  noiseSd: number;
  /**
   * Calibration drift: a mean-reverting random walk (Ornstein-Uhlenbeck) with
   * this stationary standard deviation and a correlation time of `driftTauHours`.
   * Real transmitters wander slowly around their calibration, they do not
   * walk off without bound.
   */
  driftSd: number;
  driftTauHours?: number;
  /** Physical lower bound (vibration and current cannot be negative). */
  min?: number;
}

/** Sensor precision: two decimals, as the brief's devices report. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** One sensor: turns the true physical value into what the transmitter reports. */
export class SensorChannel {
  private drift = 0;

  constructor(
    private readonly spec: SensorSpec,
    private readonly prng: Prng,
  ) {}

  /** Advances the drift by `dtHours` (exact OU update, valid for any step). */
  age(dtHours: number): void {
    const tau = this.spec.driftTauHours ?? 300;
    const a = Math.exp(-dtHours / tau);
    this.drift = this.drift * a + this.spec.driftSd * Math.sqrt(1 - a * a) * this.prng.normal();
  }

  measure(trueValue: number): number {
    const v = trueValue + this.drift + this.prng.normal(0, this.spec.noiseSd);
    return round2(this.spec.min !== undefined ? Math.max(this.spec.min, v) : v);
  }
}
