import { describe, expect, it } from 'vitest';
import { AuthThrottle, DEFAULT_AUTH_THROTTLE } from './auth-throttle.js';

const A = '10.0.0.1';

describe('AuthThrottle', () => {
  it('delays a username from an address after failures, doubling, and its success clears it', () => {
    const t = new AuthThrottle(DEFAULT_AUTH_THROTTLE, () => 0);
    expect(t.admit(A, 'dev_a')).toBe(0);
    t.failed(A, 'dev_a', false);
    expect(t.admit(A, 'dev_a')).toBe(100);
    t.settled(A, 'dev_a');
    t.failed(A, 'dev_a', false);
    expect(t.admit(A, 'dev_a')).toBe(200);
    t.settled(A, 'dev_a');
    t.succeeded(A, 'dev_a');
    expect(t.admit(A, 'dev_a')).toBe(0);
  });

  it('is not reset by logging in as another device in between guesses', () => {
    const t = new AuthThrottle(DEFAULT_AUTH_THROTTLE, () => 0);
    for (let i = 0; i < 3; i++) {
      t.failed(A, 'dev_victim', false);
      t.succeeded(A, 'dev_own');
    }
    expect(t.admit(A, 'dev_victim')).toBe(400);
    // The other device on the same address (a NAT) is not slowed by them.
    expect(t.admit(A, 'dev_own')).toBe(0);
  });

  it('never delays the check of another device at the address, however often one device fails there', () => {
    const t = new AuthThrottle(DEFAULT_AUTH_THROTTLE, () => 0);
    for (let i = 0; i < 1000; i++) expect(t.failed(A, 'dev_revoked', false)).toBe(0);
    for (let i = 0; i < 100; i++) expect(t.admit(A, `dev_valid_${i}`)).toBe(0);
  });

  it('holds the failure answers of an address spraying unknown ids past the free failures, and a success does not clear that', () => {
    const t = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, addressFreeFailures: 3 }, () => 0);
    for (let i = 0; i < 3; i++) expect(t.failed(A, `dev_${i}`, true)).toBe(0);
    expect(t.failed(A, 'dev_3', true)).toBe(100);
    t.released(A);
    t.succeeded(A, 'dev_own');
    expect(t.failed(A, 'dev_4', true)).toBe(200);
    t.released(A);
    // A known device's check is never delayed by the spray, nor its bad secret held.
    expect(t.admit(A, 'dev_known')).toBe(0);
    expect(t.failed(A, 'dev_known', false)).toBe(0);
    expect(t.failed('10.0.0.2', 'dev_next', true)).toBe(0);
  });

  it('refuses at once beyond the pending attempts allowed per device and address', () => {
    const t = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxPendingPerPair: 2 }, () => 0);
    t.failed(A, 'dev_a', false);
    expect(t.admit(A, 'dev_a')).toBe(100);
    expect(t.admit(A, 'dev_a')).toBe(100);
    expect(t.admit(A, 'dev_a')).toBeUndefined();
    expect(t.admit(A, 'dev_b')).toBe(0);
    t.settled(A, 'dev_a');
    expect(t.admit(A, 'dev_a')).toBe(100);
  });

  it('answers at once beyond the held failure answers allowed per address', () => {
    const t = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, addressFreeFailures: 0, maxPendingPerAddress: 1 }, () => 0);
    expect(t.failed(A, 'dev_x', true)).toBe(100);
    expect(t.failed(A, 'dev_y', true)).toBe(0);
    t.released(A);
    expect(t.failed(A, 'dev_z', true)).toBe(400);
  });

  it('forgets failures after forgetAfterMs', () => {
    let now = 0;
    const t = new AuthThrottle(DEFAULT_AUTH_THROTTLE, () => now);
    t.failed(A, 'dev_a', false);
    now += DEFAULT_AUTH_THROTTLE.forgetAfterMs + 1;
    expect(t.admit(A, 'dev_a')).toBe(0);
  });

  it('keeps at most maxAddresses entries, forgetting the least recently failed first', () => {
    const t = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxAddresses: 10 }, () => 0);
    for (let i = 0; i < 10; i++) t.failed(`a${i}`, 'u', true);
    t.failed('a0', 'u', true); // a0 failed again: now the most recent, a1 the oldest
    t.failed('a10', 'u', true);
    expect(t.stats().trackedAddresses).toBeLessThanOrEqual(10);
    expect(t.stats().trackedPairs).toBeLessThanOrEqual(10);
    expect(t.admit('a1', 'u')).toBe(0); // forgotten
    expect(t.admit('a0', 'u')).toBe(200); // kept, two failures
    expect(t.admit('a10', 'u')).toBe(100);
    for (let i = 11; i < 1000; i++) t.failed(`a${i}`, 'u', true);
    expect(t.stats().trackedAddresses).toBeLessThanOrEqual(10);
    expect(t.stats().trackedPairs).toBeLessThanOrEqual(10);
    expect(t.admit('a999', 'u')).toBe(100);
  });
});
