/**
 * Slows down repeated authentication failures per client address: after the
 * n-th recent failure every further attempt from that address waits
 * min(baseDelayMs * 2^(n-1), maxDelayMs) before it is even checked, and at
 * most `maxPendingPerAddress` attempts per address may wait at once (the rest
 * are refused at once), so parallel guessing gains nothing. A success resets
 * the address; failures older than `forgetAfterMs` are forgotten. The table is
 * bounded (least recently failed addresses are dropped first).
 */
export interface AuthThrottleOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly forgetAfterMs: number;
  readonly maxPendingPerAddress: number;
  readonly maxAddresses: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  forgetAfterMs: 10 * 60_000,
  maxPendingPerAddress: 16,
  maxAddresses: 10_000,
};

interface AddressState {
  failures: number;
  lastFailureAt: number;
  pending: number;
}

export interface AuthThrottleStats {
  readonly failures: number;
  readonly delayedAttempts: number;
  readonly refusedWhileThrottled: number;
  readonly trackedAddresses: number;
}

export class AuthThrottle {
  private readonly byAddress = new Map<string, AddressState>();
  private failures = 0;
  private delayedAttempts = 0;
  private refusedWhileThrottled = 0;

  constructor(
    private readonly opts: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Delay to apply before checking an attempt from `address`; `undefined` = refuse at once. */
  admit(address: string): number | undefined {
    const s = this.current(address);
    if (!s || s.failures === 0) return 0;
    if (s.pending >= this.opts.maxPendingPerAddress) {
      this.refusedWhileThrottled++;
      return undefined;
    }
    s.pending++;
    this.delayedAttempts++;
    return Math.min(this.opts.baseDelayMs * 2 ** (s.failures - 1), this.opts.maxDelayMs);
  }

  /** Call once per admitted attempt that was delayed (admit returned > 0) when it is answered. */
  settled(address: string): void {
    const s = this.byAddress.get(address);
    if (s && s.pending > 0) s.pending--;
  }

  failed(address: string): void {
    this.failures++;
    const s = this.current(address) ?? { failures: 0, lastFailureAt: 0, pending: 0 };
    s.failures = Math.min(s.failures + 1, 32);
    s.lastFailureAt = this.now();
    // Re-insert so Map order is "least recently failed first" for eviction.
    this.byAddress.delete(address);
    this.byAddress.set(address, s);
    if (this.byAddress.size > this.opts.maxAddresses) {
      // A tenth at once, in one pass: taking "the first key" on every failure
      // would scan all entries deleted before it (V8 keeps them as holes until
      // a rehash), so a flood from many addresses would cost more per failure.
      let excess = this.byAddress.size - Math.floor(this.opts.maxAddresses * 0.9);
      for (const address of this.byAddress.keys()) {
        if (excess-- <= 0) break;
        this.byAddress.delete(address);
      }
    }
  }

  succeeded(address: string): void {
    const s = this.byAddress.get(address);
    if (s && s.pending === 0) this.byAddress.delete(address);
    else if (s) s.failures = 0;
  }

  stats(): AuthThrottleStats {
    return {
      failures: this.failures,
      delayedAttempts: this.delayedAttempts,
      refusedWhileThrottled: this.refusedWhileThrottled,
      trackedAddresses: this.byAddress.size,
    };
  }

  private current(address: string): AddressState | undefined {
    const s = this.byAddress.get(address);
    if (s && s.pending === 0 && this.now() - s.lastFailureAt > this.opts.forgetAfterMs) {
      this.byAddress.delete(address);
      return undefined;
    }
    return s;
  }
}
