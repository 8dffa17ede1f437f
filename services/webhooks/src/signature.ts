import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header every delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme). */
export const SIGNATURE_HEADER = 'hourmeter-signature';

/** Receivers should refuse signatures older than this (replays). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureOf(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
}

/** The header value for `body` signed at `timestampSeconds`. */
export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${signatureOf(secret, timestampSeconds, body)}`;
}

/**
 * The receiver's side (docs/integrations-webhooks.md has the same recipe in
 * a few lines): recompute the HMAC over `<t>.<raw body>` with the
 * subscription's secret, compare in constant time with any `v1`, and refuse
 * a `t` further than the tolerance from now.
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): { ok: true } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: 'no signature header' };
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const candidates = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v!);
  if (!Number.isSafeInteger(t) || candidates.length === 0) return { ok: false, reason: 'malformed signature header' };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  const match = candidates.some((c) => {
    const given = Buffer.from(c, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
