import type { RetryDecision } from '@hourmeter/db';

export interface RetryPolicy {
  /** Wait after the first failed attempt; doubled after each further one. Default 30 s. */
  readonly baseMs: number;
  /** Longest wait between two attempts. Default 1 h. */
  readonly maxMs: number;
  /** How long after its event a delivery is retried. Default 24 h. */
  readonly windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 30_000, maxMs: 3_600_000, windowMs: 24 * 3_600_000 };

/**
 * After the `attempts`-th failed attempt of a delivery created at
 * `createdAt`: exponential backoff with +-20 % jitter (so receivers that come
 * back are not hit by every delivery at once), and no attempt scheduled
 * after the retry window.
 */
export function nextRetry(policy: RetryPolicy, attempts: number, createdAt: number, now: number, random: () => number = Math.random): RetryDecision {
  const giveUpAt = createdAt + policy.windowMs;
  if (now >= giveUpAt) return { giveUp: `gave up after ${attempts} attempts over ${Math.round((now - createdAt) / 60_000)} minutes` };
  const backoff = Math.min(policy.baseMs * 2 ** Math.min(attempts - 1, 40), policy.maxMs);
  const jittered = backoff * (0.8 + 0.4 * random());
  return { retryAt: Math.min(now + Math.round(jittered), giveUpAt) };
}
