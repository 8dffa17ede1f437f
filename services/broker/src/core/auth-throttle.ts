/**
 * Slows down repeated authentication failures. Two tallies of recent failures:
 *
 * - per address and username: after the n-th failure every further attempt
 *   of that username from that address waits min(baseDelayMs * 2^(n-1),
 *   maxDelayMs) before it is even checked; a success clears it. Logging in as
 *   another device (one whose secret the client has) clears nothing, so it
 *   cannot be interleaved to reset the guessing of a second device, and
 *   devices sharing a NAT address do not slow each other down.
 * - per address: the same doubling once the address has more than
 *   `addressFreeFailures` failures, whichever usernames, and a success does
 *   not clear it (it fades after `forgetAfterMs`), so spraying many usernames
 *   from one address is slowed too.
 *
 * At most `maxPendingPerAddress` delayed attempts per address wait at once
 * (the rest are refused at once), so parallel guessing gains nothing.
 * Failures older than `forgetAfterMs` are forgotten. Both tables are bounded
 * (least recently failed entries are dropped first).
 */
export interface AuthThrottleOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly forgetAfterMs: number;
  readonly maxPendingPerAddress: number;
  readonly addressFreeFailures: number;
  readonly maxAddresses: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  forgetAfterMs: 10 * 60_000,
  maxPendingPerAddress: 16,
  addressFreeFailures: 10,
  maxAddresses: 10_000,
};

interface Tally {
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

/** Failure tallies by key, bounded, least recently failed first in Map order. */
class Tallies {
  private readonly byKey = new Map<string, Tally>();

  constructor(
    private readonly opts: AuthThrottleOptions,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  current(key: string): Tally | undefined {
    const s = this.byKey.get(key);
    if (s && s.pending === 0 && this.now() - s.lastFailureAt > this.opts.forgetAfterMs) {
      this.byKey.delete(key);
      return undefined;
    }
    return s;
  }

  /** The tally to count a delayed attempt on, created if needed. */
  pendingOn(key: string): Tally {
    let s = this.current(key);
    if (!s) {
      s = { failures: 0, lastFailureAt: this.now(), pending: 0 };
      this.insert(key, s);
    }
    return s;
  }

  settled(key: string): void {
    const s = this.byKey.get(key);
    if (s && s.pending > 0) s.pending--;
  }

  failed(key: string): void {
    const s = this.current(key) ?? { failures: 0, lastFailureAt: 0, pending: 0 };
    s.failures = Math.min(s.failures + 1, 32);
    s.lastFailureAt = this.now();
    // Re-insert so Map order is "least recently failed first" for eviction.
    this.byKey.delete(key);
    this.insert(key, s);
  }

  cleared(key: string): void {
    const s = this.byKey.get(key);
    if (s && s.pending === 0) this.byKey.delete(key);
    else if (s) s.failures = 0;
  }

  private insert(key: string, s: Tally): void {
    this.byKey.set(key, s);
    if (this.byKey.size <= this.opts.maxAddresses) return;
    // A tenth at once, in one pass: taking "the first key" on every failure
    // would scan all entries deleted before it (V8 keeps them as holes until
    // a rehash), so a flood from many addresses would cost more per failure.
    let excess = this.byKey.size - Math.floor(this.opts.maxAddresses * 0.9);
    for (const k of this.byKey.keys()) {
      if (excess-- <= 0) break;
      this.byKey.delete(k);
    }
  }
}

export class AuthThrottle {
  private readonly pairs: Tallies;
  private readonly addresses: Tallies;
  private failures = 0;
  private delayedAttempts = 0;
  private refusedWhileThrottled = 0;

  constructor(
    private readonly opts: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
    now: () => number = Date.now,
  ) {
    this.pairs = new Tallies(opts, now);
    this.addresses = new Tallies(opts, now);
  }

  /** Delay to apply before checking an attempt; `undefined` = refuse at once. */
  admit(address: string, username: string): number | undefined {
    const pairFailures = this.pairs.current(pairKey(address, username))?.failures ?? 0;
    const addressFailures = Math.max(0, (this.addresses.current(address)?.failures ?? 0) - this.opts.addressFreeFailures);
    const n = Math.max(pairFailures, addressFailures);
    if (n === 0) return 0;
    const onAddress = this.addresses.pendingOn(address);
    if (onAddress.pending >= this.opts.maxPendingPerAddress) {
      this.refusedWhileThrottled++;
      return undefined;
    }
    onAddress.pending++;
    this.delayedAttempts++;
    return Math.min(this.opts.baseDelayMs * 2 ** (n - 1), this.opts.maxDelayMs);
  }

  /** Call once per admitted attempt that was delayed (admit returned > 0) when it is answered. */
  settled(address: string): void {
    this.addresses.settled(address);
  }

  failed(address: string, username: string): void {
    this.failures++;
    this.pairs.failed(pairKey(address, username));
    this.addresses.failed(address);
  }

  succeeded(address: string, username: string): void {
    this.pairs.cleared(pairKey(address, username));
  }

  stats(): AuthThrottleStats {
    return {
      failures: this.failures,
      delayedAttempts: this.delayedAttempts,
      refusedWhileThrottled: this.refusedWhileThrottled,
      trackedAddresses: this.addresses.size,
    };
  }
}

// NUL cannot occur in an address and an MQTT username is UTF-8 text without it (MQTT-1.5.4-2).
const pairKey = (address: string, username: string) => `${address}\u0000${username}`;
