import type { z } from 'zod';
import type { StockMovementKind } from './service.js';

type MovementKind = z.infer<typeof StockMovementKind>;

/** Units of a part at one location: on hand, and how many of them are reserved for work orders or transfers. */
export interface StockCount {
  readonly onHand: number;
  readonly reserved: number;
}

/**
 * What a quantity must be for a movement: a positive integer, or for an
 * adjustment (a count correction) a non-zero signed one. Returns why not, or
 * undefined when it is fine.
 */
export function movementQuantityProblem(kind: MovementKind, quantity: number): string | undefined {
  const fine = Number.isInteger(quantity) && quantity !== 0 && (kind === 'adjustment' || quantity > 0);
  return fine ? undefined : `quantity: must be a ${kind === 'adjustment' ? 'non-zero' : 'positive'} integer`;
}

/** How a movement of `quantity` units changes (on hand, reserved). */
export function movementEffect(kind: MovementKind, quantity: number): StockCount {
  switch (kind) {
    case 'receipt':
    case 'transfer_in':
    case 'adjustment':
    case 'return':
      return { onHand: quantity, reserved: 0 };
    case 'reservation':
      return { onHand: 0, reserved: quantity };
    case 'release':
      return { onHand: 0, reserved: -quantity };
    // Issues and shipments consume units that were reserved for them first.
    case 'issue':
    case 'transfer_out':
      return { onHand: -quantity, reserved: -quantity };
  }
}

/**
 * The stock after a movement, or undefined when the movement may not happen:
 * stock is never negative and never more is reserved than is on hand
 * (0 <= reserved <= on hand). The ledger applies the same condition in the
 * UPDATE that moves the stock, so concurrent movements cannot both pass it.
 */
export function stockAfter(level: StockCount, effect: StockCount): StockCount | undefined {
  const next = { onHand: level.onHand + effect.onHand, reserved: level.reserved + effect.reserved };
  return next.reserved >= 0 && next.onHand >= next.reserved ? next : undefined;
}

/**
 * Where the units of a part request come from (services/parts/src/core/sourcing.ts
 * decides): a location that has them, a transfer from one level up, or a
 * backorder until stock arrives.
 */
export type SourcingPlan =
  | { kind: 'direct'; warehouseId: string }
  | { kind: 'transfer'; fromWarehouseId: string; toWarehouseId: string }
  | { kind: 'backorder'; toWarehouseId: string | null };
