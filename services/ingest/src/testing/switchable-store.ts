import { InfluxWriteError, type StoredReading, type TelemetryStore } from '@hourmeter/telemetry-store';

/**
 * Fault injector around a real store: while `down`, writes reject as an
 * unreachable store's would; `delayMs` makes every write slow; a batch
 * holding a reading `refuses` matches is rejected for good, as InfluxDB
 * answers a 400 for a point it cannot take. Everything else is the real store.
 */
export interface SwitchableStore extends TelemetryStore {
  down: boolean;
  delayMs: number;
  refuses: ((reading: StoredReading) => boolean) | undefined;
  readonly failedWrites: number;
}

export function switchableStore(inner: TelemetryStore): SwitchableStore {
  let failedWrites = 0;
  const s: SwitchableStore = {
    down: false,
    delayMs: 0,
    refuses: undefined,
    get failedWrites() {
      return failedWrites;
    },
    async writeBatch(readings) {
      if (s.delayMs > 0) await new Promise((r) => setTimeout(r, s.delayMs));
      if (s.down) {
        failedWrites++;
        throw new Error('store unavailable (injected fault)');
      }
      const refused = s.refuses && readings.find(s.refuses);
      if (refused) {
        failedWrites++;
        throw new InfluxWriteError(`HTTP 400: unable to parse point at ts ${refused.ts} (injected fault)`, false);
      }
      return inner.writeBatch(readings);
    },
    queryRange: (q) => inner.queryRange(q),
    latest: (a, m) => inner.latest(a, m),
    deleteBefore: (b) => inner.deleteBefore(b),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return s;
}
