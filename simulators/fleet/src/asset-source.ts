import type { CommandOutcome, ReadingSource, SimReading } from '@hourmeter/sim-common';
import type { AssetSim } from './physics/asset.js';

/**
 * Adapts an asset's physics to the transport: each reading advances the
 * simulation by one interval (speed / rate simulated seconds) and samples it.
 */
export class AssetSource implements ReadingSource {
  private first = true;

  constructor(
    readonly sim: AssetSim,
    private readonly intervalSeconds: number,
  ) {}

  next(): SimReading {
    if (!this.first) this.sim.advance(this.intervalSeconds);
    this.first = false;
    return { ts: this.sim.nowMs, metrics: this.sim.read() };
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
