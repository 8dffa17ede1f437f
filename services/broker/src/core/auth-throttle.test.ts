import { describe, expect, it } from 'vitest';
import { AuthThrottle, DEFAULT_AUTH_THROTTLE } from './auth-throttle.js';

describe('AuthThrottle', () => {
  it('delays an address after failures, doubling, and a success resets it', () => {
    const t = new AuthThrottle(DEFAULT_AUTH_THROTTLE, () => 0);
    expect(t.admit('10.0.0.1')).toBe(0);
    t.failed('10.0.0.1');
    expect(t.admit('10.0.0.1')).toBe(100);
    t.settled('10.0.0.1');
    t.failed('10.0.0.1');
    expect(t.admit('10.0.0.1')).toBe(200);
    t.settled('10.0.0.1');
    t.succeeded('10.0.0.1');
    expect(t.admit('10.0.0.1')).toBe(0);
  });

  it('keeps at most maxAddresses, forgetting the least recently failed first', () => {
    const t = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxAddresses: 10 }, () => 0);
    for (let i = 0; i < 10; i++) t.failed(`a${i}`);
    t.failed('a0'); // a0 failed again: now the most recent, a1 the oldest
    t.failed('a10');
    expect(t.stats().trackedAddresses).toBeLessThanOrEqual(10);
    expect(t.admit('a1')).toBe(0); // forgotten
    expect(t.admit('a0')).toBe(200); // kept, two failures
    expect(t.admit('a10')).toBe(100);
    for (let i = 11; i < 1000; i++) t.failed(`a${i}`);
    expect(t.stats().trackedAddresses).toBeLessThanOrEqual(10);
    expect(t.admit('a999')).toBe(100);
  });
});
