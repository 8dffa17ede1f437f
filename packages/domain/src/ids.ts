import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Prefixed, time-sortable ids (`ast_01J...`): the prefix tells a reader what an
 * id refers to, and the ULID-style body (48-bit ms time + 80 random bits in
 * Crockford base32) sorts by creation time, which cursor pagination relies on.
 */
export const ID_PREFIXES = {
  customer: 'cus',
  site: 'sit',
  assetModel: 'mdl',
  productionBatch: 'bat',
  asset: 'ast',
  device: 'dev',
  alert: 'alr',
  workOrder: 'wo',
  part: 'prt',
  warehouse: 'whs',
  stockMovement: 'stm',
  contract: 'ctr',
  usageRecord: 'usg',
  invoice: 'inv',
  creditNote: 'crn',
  payment: 'pay',
  rateCard: 'rtc',
  exchangeRate: 'fxr',
  apiKey: 'key',
  user: 'usr',
  slaEntitlement: 'sle',
  workOrderHold: 'woh',
  serviceRequest: 'srq',
  technician: 'tec',
  lead: 'led',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY_LENGTH = 26;

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

// Monotonic within this process: ids made in the same millisecond (or while the
// clock steps back) increment the previous random part, so creation order and
// id order agree and cursor pages never skip a row.
let lastTime = -1;
const lastRandom = new Uint8Array(16);

function nextRandom(now: number): { time: number; digits: Uint8Array } {
  if (now > lastTime) {
    lastTime = now;
    const bytes = randomBytes(16);
    // Top bit clear leaves room to increment without overflowing.
    for (let i = 0; i < 16; i++) lastRandom[i] = bytes[i]! % (i === 0 ? 16 : 32);
  } else {
    for (let i = 15; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) % 32;
      if (lastRandom[i] !== 0) break;
    }
  }
  return { time: lastTime, digits: lastRandom };
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  const { time, digits } = nextRandom(now);
  let body = encodeTime(time);
  for (const d of digits) body += CROCKFORD[d];
  return `${ID_PREFIXES[kind]}_${body}`;
}

/** Schema for an id of one kind: right prefix, right body. */
export function idOf(kind: IdKind) {
  const prefix = ID_PREFIXES[kind];
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{${BODY_LENGTH}}$`), `must be a ${kind} id (${prefix}_...)`);
}
