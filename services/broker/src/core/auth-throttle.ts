/**
 * Slows down failing logins without ever slowing a valid one down because of
 * someone else's failures (devices behind one NAT address share it).
 *
 * - per address and username: after the n-th failure every further attempt
 *   of that username from that address waits min(baseDelayMs * 2^(n-1),
 *   maxDelayMs) before it is even checked, and at most
 *   `maxPendingPerPair` of them wait at once (the rest are refused at once);
 *   a success clears it. This is what stops guessing a device's secret, and
 *   it only ever touches that device id at that address: logging in as
 *   another device clears nothing, and other devices are not slowed.
 * - per address, for sprays of unknown ids: once an address has more than
 *   `addressFreeFailures` failures with usernames no device has, the answer
 *   to each further such failure is held for the same doubling delay (at
 *   most `maxPendingPerAddress` held at once; the rest are answered at once).
 *   Only the failure answer waits: the attempt is checked as soon as it
 *   arrives, so a valid device at that address connects at once. A success
 *   does not clear it; it fades after `forgetAfterMs`.
 *
 * Failures older than `forgetAfterMs` are forgotten. Both tables are bounded
 * (least recently failed entries are dropped first).
 */
export interface AuthThrottleOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly forgetAfterMs: number;
  readonly maxPendingPerPair: number;
  readonly maxPendingPerAddress: number;
  readonly addressFreeFailures: number;
  readonly maxAddresses: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  forgetAfterMs: 10 * 60_000,
  maxPendingPerPair: 2,
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
  readonly trackedPairs: number;
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

  /**
   * Delay to wait before checking an attempt, from this username's own
   * failures at this address only; `undefined` = refuse at once. Call
   * `settled` once a delayed attempt (> 0) has been checked.
   */
  admit(address: string, username: string): number | undefined {
    const key = pairKey(address, username);
    const n = this.pairs.current(key)?.failures ?? 0;
    if (n === 0) return 0;
    const pair = this.pairs.pendingOn(key);
    if (pair.pending >= this.opts.maxPendingPerPair) {
      this.refusedWhileThrottled++;
      return undefined;
    }
    pair.pending++;
    this.delayedAttempts++;
    return this.delayFor(n);
  }

  settled(address: string, username: string): void {
    this.pairs.settled(pairKey(address, username));
  }

  /**
   * Records a failed attempt and returns how long to hold its answer: > 0
   * only for an unknown username from an address spraying them. Call
   * `released` once a held answer (> 0) has been sent.
   */
  failed(address: string, username: string, unknownUsername: boolean): number {
    this.failures++;
    this.pairs.failed(pairKey(address, username));
    if (!unknownUsername) return 0;
    this.addresses.failed(address);
    const n = (this.addresses.current(address)?.failures ?? 0) - this.opts.addressFreeFailures;
    if (n <= 0) return 0;
    const held = this.addresses.pendingOn(address);
    if (held.pending >= this.opts.maxPendingPerAddress) return 0;
    held.pending++;
    this.delayedAttempts++;
    return this.delayFor(n);
  }

  released(address: string): void {
    this.addresses.settled(address);
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
      trackedPairs: this.pairs.size,
    };
  }

  private delayFor(failures: number): number {
    return Math.min(this.opts.baseDelayMs * 2 ** (failures - 1), this.opts.maxDelayMs);
  }
}

// NUL cannot occur in an address and an MQTT username is UTF-8 text without it (MQTT-1.5.4-2).
const pairKey = (address: string, username: string) => `${address}\u0000${username}`;
