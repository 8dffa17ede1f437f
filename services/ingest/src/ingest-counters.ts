import type { IngestRejectionCode } from '@hourmeter/messages';

export interface DeviceIngestCounters {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: Readonly<Partial<Record<IngestRejectionCode, number>>>;
  /** Publishes refused without acknowledgement (spool full / shutting down). */
  readonly refused: number;
  /** Accepted readings the store refused for good, kept in the spool's dead-letter file instead. */
  readonly deadLettered: number;
  readonly lastAcceptedAt: number | undefined;
}

type Mutable = {
  accepted: number;
  duplicates: number;
  rejected: Partial<Record<IngestRejectionCode, number>>;
  refused: number;
  deadLettered: number;
  lastAcceptedAt: number | undefined;
};

/** In-memory per-device counters since process start. */
export class IngestCounters {
  private readonly perDevice = new Map<string, Mutable>();
  private readonly totals: Mutable = { accepted: 0, duplicates: 0, rejected: {}, refused: 0, deadLettered: 0, lastAcceptedAt: undefined };

  accepted(deviceId: string, n: number, at: number): void {
    if (n === 0) return;
    for (const c of [this.entry(deviceId), this.totals]) {
      c.accepted += n;
      c.lastAcceptedAt = at;
    }
  }

  duplicates(deviceId: string, n: number): void {
    if (n === 0) return;
    this.entry(deviceId).duplicates += n;
    this.totals.duplicates += n;
  }

  rejected(deviceId: string, code: IngestRejectionCode): void {
    for (const c of [this.entry(deviceId), this.totals]) c.rejected[code] = (c.rejected[code] ?? 0) + 1;
  }

  refused(deviceId: string): void {
    this.entry(deviceId).refused++;
    this.totals.refused++;
  }

  deadLettered(deviceId: string): void {
    this.entry(deviceId).deadLettered++;
    this.totals.deadLettered++;
  }

  get(deviceId: string): DeviceIngestCounters | undefined {
    const c = this.perDevice.get(deviceId);
    return c && { ...c, rejected: { ...c.rejected } };
  }

  total(): DeviceIngestCounters {
    return { ...this.totals, rejected: { ...this.totals.rejected } };
  }

  deviceIds(): string[] {
    return [...this.perDevice.keys()];
  }

  private entry(deviceId: string): Mutable {
    let c = this.perDevice.get(deviceId);
    if (!c) {
      c = { accepted: 0, duplicates: 0, rejected: {}, refused: 0, deadLettered: 0, lastAcceptedAt: undefined };
      this.perDevice.set(deviceId, c);
    }
    return c;
  }
}
