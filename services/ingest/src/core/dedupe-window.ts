/**
 * Remembers the most recent `capacity` reading keys (device, ts, seq) so
 * retransmissions (QoS 1 redelivery, a gateway resending its backlog) are
 * stored once. Bounded: the oldest keys are forgotten first, and a duplicate
 * older than the window still reaches the store, whose write is idempotent.
 */
export class DedupeWindow {
  // A Set iterates in insertion order, which makes it a cheap FIFO.
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  static key(deviceId: string, ts: number, seq: number | undefined): string {
    return `${deviceId}\u0000${ts}\u0000${seq ?? ''}`;
  }

  /** True if the key is new (and now remembered), false for a duplicate. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }

  /** Forgets keys whose readings were not taken after all (spool write failed). */
  remove(keys: readonly string[]): void {
    for (const k of keys) this.keys.delete(k);
  }

  get size(): number {
    return this.keys.size;
  }
}
