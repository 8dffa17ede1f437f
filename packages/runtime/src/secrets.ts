import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device secrets and API keys are 256-bit random strings we generate, not
 * user-chosen passwords, so a fast SHA-256 digest is as safe to store as a slow
 * KDF (there is nothing to brute-force) and keeps 10,000 devices reconnecting
 * at once cheap. Comparison is constant-time.
 */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A connection URL fit for logs and messages: its password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparsable url]';
  }
}
