import type { CommandOutcome, ReadingSource, SimReading } from '@hourmeter/sim-common';
import type { AssetSim } from './physics/asset.js';

/**
 * Adapts an asset's physics to the transport: each reading advances the
 * simulation by one interval (speed / rate simulated seconds) and samples it.
 * With `followNow`, the simulation never runs ahead of that clock: it goes at
 * full speed while behind (a backfill of the recent past) and then keeps
 * pace with it, so its readings end at "now" like a real device's.
 */
export class AssetSource implements ReadingSource {
  private first = true;

  constructor(
    readonly sim: AssetSim,
    private readonly intervalSeconds: number,
    private readonly followNow?: () => number,
  ) {}

  next(): SimReading {
    if (!this.first) this.sim.advance(this.step());
    this.first = false;
    return { ts: this.sim.nowMs, metrics: this.sim.read() };
  }

  /** Simulated seconds to the next reading: one interval, or up to the followed clock if that is nearer. */
  private step(): number {
    if (!this.followNow) return this.intervalSeconds;
    const behindSeconds = (this.followNow() - this.sim.nowMs) / 1000;
    // At least a millisecond, so two readings never share a timestamp (the store would drop the second as a duplicate).
    return Math.min(this.intervalSeconds, Math.max(0.001, behindSeconds));
  }

  command(payload: unknown): CommandOutcome {
    return this.sim.command(payload);
  }

  get failed(): boolean {
    return this.sim.failed;
  }

  get failures(): number {
    return this.sim.failures;
  }
}
