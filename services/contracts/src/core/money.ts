/**
 * Money arithmetic. All amounts are integer minor units; intermediate products
 * use BigInt so `ms x rate` never loses precision, and every line is rounded
 * once, at the end, with banker's rounding (half to even):
 *   2.5 -> 2, 3.5 -> 4, -2.5 -> -2, 2.51 -> 3.
 * Percentages are basis points (98.5% = 9850) and hours are milliseconds, so
 * the only division in a money computation is the final, rounded one.
 */
export function halfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new Error('division by zero');
  if (denominator < 0n) return halfEven(-numerator, -denominator);
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const twice = (n % denominator) * 2n;
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** `halfEven` for values known to fit a safe integer, as a number. */
export function roundDiv(numerator: bigint, denominator: bigint): number {
  const r = halfEven(numerator, denominator);
  const n = Number(r);
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${r} exceeds the safe integer range`);
  return n;
}

/** 98.5 -> 9850n. Inputs are validated to at most two decimals. */
export function basisPoints(percent: number): bigint {
  return BigInt(Math.round(percent * 100));
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Hours given with up to three decimals -> integer milliseconds. */
export function hoursToMs(hours: number): bigint {
  return BigInt(Math.round(hours * 1000)) * 3600n;
}

/** `ms x ratePerHour`, rounded half-even to minor units: the price of operating time. */
export function priceOfMs(ms: number | bigint, ratePerHourMinor: number): number {
  return roundDiv(BigInt(ms) * BigInt(ratePerHourMinor), BigInt(HOUR_MS));
}

/** 123456 EUR -> "1,234.56"; currencies with other minor units are shown with two decimals too. */
export function formatMinor(amountMinor: number): string {
  const negative = amountMinor < 0;
  const abs = Math.abs(amountMinor);
  const major = Math.floor(abs / 100).toLocaleString('en-US');
  return `${negative ? '-' : ''}${major}.${String(abs % 100).padStart(2, '0')}`;
}
