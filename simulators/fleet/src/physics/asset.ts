import { prngFor, type CommandOutcome, type Prng } from '@hourmeter/sim-common';
import { z } from 'zod';
import { SimCommand } from '../commands.js';
import { isOn, type ModelSpec, type OperatingState, type PhysState } from './model-spec.js';
import { SensorChannel, round2 } from './sensor.js';

export interface AssetSimOptions {
  spec: ModelSpec;
  /** Global seed and the asset's index: together they fix every random draw of this asset. */
  seed: number;
  index: number;
  /** Simulated epoch ms of the first reading. */
  startMs: number;
  /**
   * Upper bound of the wear an asset already has when the simulation starts
   * (uniform per mode in [0, initialWear]): a real fleet is not all new.
   */
  initialWear?: number;
}

export interface FailureRecord {
  mode: string;
  atMs: number;
  operatingHours: number;
}

const MS_PER_HOUR = 3_600_000;
// Temperatures follow the ambient's daily cycle; a shorter step keeps the lag integration honest.
const MAX_STEP_HOURS = 0.25;
const EPS = 1e-9;

/**
 * One asset's physics: duty cycle, load regimes, hidden damage per failure
 * mode, thermal lags and sensors. Pure computation driven by `advance`; no
 * clock, no I/O, so tests can run years of operation in milliseconds.
 */
export class AssetSim {
  readonly spec: ModelSpec;
  private readonly duty: Prng;
  private readonly lifeDraw: Prng;
  private readonly channels: SensorChannel[];
  private readonly ambientOffset: number;

  private _state: OperatingState;
  private load = 0;
  private regimeLoad: number;
  private stateLeftH: number;
  private regimeLeftH: number;
  private readonly damage: Record<string, number> = {};
  private readonly lives: Record<string, number> = {};
  private readonly lag: Record<string, number> = {};
  private opHours: number;
  private _nowMs: number;
  private failedMode: string | undefined;
  readonly failureLog: FailureRecord[] = [];
  repairs = 0;

  constructor(o: AssetSimOptions) {
    this.spec = o.spec;
    this.duty = prngFor(o.seed, o.index, o.spec.kind, 'duty');
    this.lifeDraw = prngFor(o.seed, o.index, o.spec.kind, 'life');
    const noise = prngFor(o.seed, o.index, o.spec.kind, 'noise');
    this.channels = o.spec.signals.map((s) => new SensorChannel(s.sensor, noise));
    this.ambientOffset = noise.uniform(-4, 4);
    this._nowMs = o.startMs;
    const wear = o.initialWear ?? 0;
    for (const m of o.spec.failureModes) {
      this.lives[m.id] = this.lifeDraw.weibull(m.lifeShape, m.lifeScaleHours);
      this.damage[m.id] = wear > 0 ? this.lifeDraw.uniform(0, wear) : 0;
    }
    this.opHours = round2(this.duty.uniform(0, 2000) * (wear > 0 ? 1 : 0));
    this._state = this.duty.chance(0.5) ? 'running' : 'stopped';
    this.regimeLoad = this.pickRegime();
    this.load = this.loadFor(this._state);
    this.stateLeftH = this.duty.exponential(this.meanFor(this._state));
    this.regimeLeftH = this.duty.exponential(o.spec.duty.regimeMeanHours);
    const s = this.physState();
    for (const l of o.spec.lags) this.lag[l.name] = l.target(s);
  }

  get nowMs(): number {
    return this._nowMs;
  }
  get state(): OperatingState {
    return this._state;
  }
  get failed(): boolean {
    return this._state === 'failed';
  }
  get failures(): number {
    return this.failureLog.length;
  }
  get operatingHours(): number {
    return this.opHours;
  }
  /** Hidden health, for tests and debugging only: never published. */
  get health(): Readonly<Record<string, number>> {
    return { ...this.damage };
  }
  /** Current load fraction (hidden state, for tests: the platform infers regimes from signals). */
  get loadFraction(): number {
    return this.load;
  }
  get currentFailureMode(): string | undefined {
    return this.failedMode;
  }

  private pickRegime(): number {
    return this.spec.regimes[this.duty.pick(this.spec.regimes.map((r) => r.weight))]!.load;
  }

  private loadFor(state: OperatingState): number {
    return state === 'running' ? this.regimeLoad : state === 'idle' ? this.spec.idleLoad : 0;
  }

  private meanFor(state: OperatingState): number {
    const d = this.spec.duty;
    return state === 'running' ? d.runMeanHours : state === 'idle' ? d.idleMeanHours : d.stopMeanHours;
  }

  private ambientAt(ms: number): number {
    const hourOfDay = (ms / MS_PER_HOUR) % 24;
    return 15 + this.ambientOffset + 6 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
  }

  private physState(ms = this._nowMs): PhysState {
    return { state: this._state, load: this.load, damage: this.damage, ambientC: this.ambientAt(ms), lag: this.lag, operatingHours: this.opHours };
  }

  /** Damage per operating hour of each mode at the current load. */
  private damageRate(modeIndex: number): number {
    if (!isOn(this.physState())) return 0;
    const m = this.spec.failureModes[modeIndex]!;
    return Math.pow(this.load / this.spec.referenceLoad, m.loadExponent) / this.lives[m.id]!;
  }

  /**
   * Advances simulated time by `seconds`, event by event: duty-cycle
   * transitions, regime changes and a failure can all fall inside one
   * reading interval (at --speed 3600 an interval is an hour).
   */
  advance(seconds: number): void {
    let leftH = seconds / 3600;
    let clockMs = this._nowMs;
    const modes = this.spec.failureModes;
    while (leftH > EPS) {
      let seg = Math.min(leftH, MAX_STEP_HOURS);
      const stateChanges = this._state !== 'failed';
      if (stateChanges) seg = Math.min(seg, this.stateLeftH);
      if (this._state === 'running') seg = Math.min(seg, this.regimeLeftH);
      const rates = modes.map((_, i) => this.damageRate(i));
      let failing: string | undefined;
      for (let i = 0; i < modes.length; i++) {
        const r = rates[i]!;
        if (r <= 0) continue;
        const toFailure = (1 - this.damage[modes[i]!.id]!) / r;
        if (toFailure <= seg) {
          seg = Math.max(0, toFailure);
          failing = modes[i]!.id;
        }
      }
      for (let i = 0; i < modes.length; i++) this.damage[modes[i]!.id] = Math.min(1, this.damage[modes[i]!.id]! + rates[i]! * seg);
      if (isOn(this.physState())) this.opHours += seg;
      const s = this.physState(clockMs);
      for (const l of this.spec.lags) {
        const x = this.lag[l.name]!;
        this.lag[l.name] = x + (l.target(s) - x) * (1 - Math.exp(-seg / l.tauHours));
      }
      for (const c of this.channels) c.age(seg);
      leftH -= seg;
      clockMs += seg * MS_PER_HOUR;
      this.stateLeftH -= seg;
      this.regimeLeftH -= seg;
      if (failing !== undefined) {
        this.damage[failing] = 1;
        this.fail(failing, clockMs);
      } else if (stateChanges && this.stateLeftH <= EPS) {
        this.transition();
      } else if (this._state === 'running' && this.regimeLeftH <= EPS) {
        this.regimeLoad = this.pickRegime();
        this.load = this.regimeLoad;
        this.regimeLeftH = this.duty.exponential(this.spec.duty.regimeMeanHours);
      }
    }
    // Whole milliseconds: timestamps are integer epoch ms, and summing float hours would drift.
    this._nowMs += Math.round(seconds * 1000);
  }

  private transition(): void {
    const d = this.spec.duty;
    let next: OperatingState;
    if (this._state === 'running') next = this.duty.chance(d.runToStop) ? 'stopped' : 'idle';
    else if (this._state === 'idle') next = this.duty.chance(d.idleToStop) ? 'stopped' : 'running';
    else next = 'running';
    if (next === 'running') {
      this.regimeLoad = this.pickRegime();
      this.regimeLeftH = this.duty.exponential(d.regimeMeanHours);
    }
    this._state = next;
    this.load = this.loadFor(next);
    this.stateLeftH = this.duty.exponential(this.meanFor(next));
  }

  private fail(mode: string, atMs: number): void {
    this._state = 'failed';
    this.load = 0;
    this.failedMode = mode;
    this.failureLog.push({ mode, atMs: Math.round(atMs), operatingHours: round2(this.opHours) });
  }

  /**
   * Maintenance: removes `quality` of the damage of the repaired mode(s); a
   * perfect repair also means a new part with a freshly drawn life. A failed
   * asset is put back into service (stopped, restarting soon).
   */
  repair(opts: { failureMode?: string | undefined; quality: number }): void {
    const targets = opts.failureMode ? this.spec.failureModes.filter((m) => m.id === opts.failureMode) : this.spec.failureModes;
    for (const m of targets) {
      this.damage[m.id] = this.damage[m.id]! * (1 - opts.quality);
      if (opts.quality >= 1) this.lives[m.id] = this.lifeDraw.weibull(m.lifeShape, m.lifeScaleHours);
    }
    // A repair that leaves the failed mode at or above its limit does not restart the asset.
    if (this._state === 'failed' && this.damage[this.failedMode!]! < 1) {
      this._state = 'stopped';
      this.load = 0;
      this.failedMode = undefined;
      this.stateLeftH = this.duty.exponential(0.5);
    }
    this.repairs++;
  }

  /** Handles a JSON-parsed command from `hm/v1/<id>/commands`. */
  command(payload: unknown): CommandOutcome {
    const parsed = SimCommand.safeParse(payload);
    if (!parsed.success) return { ok: false, detail: z.prettifyError(parsed.error) };
    const cmd = parsed.data;
    if (cmd.failureMode !== undefined && !this.spec.failureModes.some((m) => m.id === cmd.failureMode)) {
      return { ok: false, detail: `unknown failure mode ${cmd.failureMode} for ${this.spec.kind}; known: ${this.spec.failureModes.map((m) => m.id).join(', ')}` };
    }
    this.repair({ failureMode: cmd.failureMode, quality: cmd.quality });
    return { ok: true, detail: `repaired ${cmd.failureMode ?? 'all modes'} at quality ${cmd.quality}` };
  }

  /** True (noise-free) signal values, for tests. */
  trueSignals(): Record<string, number> {
    const s = this.physState();
    return Object.fromEntries(this.spec.signals.map((sig) => [sig.name, sig.value(s)]));
  }

  /** What the device publishes now: booleans plus every signal through its sensor. */
  read(): Record<string, number | boolean> {
    const s = this.physState();
    const out: Record<string, number | boolean> = { ...this.spec.booleans(s) };
    this.spec.signals.forEach((sig, i) => {
      out[sig.name] = sig.exact ? round2(sig.value(s)) : this.channels[i]!.measure(sig.value(s));
    });
    return out;
  }
}
