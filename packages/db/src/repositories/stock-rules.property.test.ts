import { movementEffect, stockAfter, StockMovementKind, type StockCount } from '@hourmeter/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dbTargets, expectAppError, useDbTarget } from '../testing.js';

/**
 * The stock rule lives in @hourmeter/domain (`stockAfter`: never negative,
 * never more reserved than on hand); the ledger enforces it as a condition of
 * its UPDATE so that concurrent movements cannot both pass. Property: on
 * random movement sequences the ledger accepts exactly the movements the
 * domain rule allows, ends where the rule says, and refuses the rest with
 * CONFLICT, changing nothing.
 */
const Movement = fc.record({
  kind: fc.constantFrom(...StockMovementKind.options),
  quantity: fc.integer({ min: 1, max: 5 }),
  negativeAdjustment: fc.boolean(),
});

describe.each(dbTargets())('stock rule and ledger agree on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let run = 0;

  it('accepts exactly what stockAfter allows, and ends where it says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Movement, { minLength: 1, maxLength: 12 }), async (movements) => {
        const { repos } = store;
        const tag = `${target.name}-${++run}-${Math.random().toString(36).slice(2, 7)}`.toUpperCase();
        const warehouse = await repos.spareParts.warehouses.create({ code: `R-${tag}`, name: 'Store', level: 'central', location: { lat: 50, lon: 8 } });
        const part = await repos.spareParts.parts.create({ partNumber: `RULE-${tag}`, description: 'x', unitCost: { amountMinor: 100, currency: 'EUR' }, fitsAssetModelIds: [] });
        let expected: StockCount = { onHand: 0, reserved: 0 };
        let at = Date.UTC(2026, 0, 1);
        for (const m of movements) {
          const quantity = m.kind === 'adjustment' && m.negativeAdjustment ? -m.quantity : m.quantity;
          const next = stockAfter(expected, movementEffect(m.kind, quantity));
          const move = repos.spareParts.stock.move({ warehouseId: warehouse.id, partId: part.id, kind: m.kind, quantity, at: (at += 1000) });
          if (next) {
            expect(await move).toMatchObject(next);
            expected = next;
          } else {
            await expectAppError(move, 'CONFLICT');
          }
          const level = await repos.spareParts.stock.level(warehouse.id, part.id);
          expect({ onHand: level.onHand, reserved: level.reserved }).toEqual(expected);
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
