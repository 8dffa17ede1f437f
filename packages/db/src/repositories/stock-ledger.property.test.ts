import { AppError } from '@hourmeter/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dbTargets, useDbTarget } from '../testing.js';
import type { Repositories } from '../index.js';

/**
 * Issue 16, property-based: on random sequences of receipts, adjustments,
 * reservations, releases, transfers (request, ship, receive), consumptions on
 * completed work orders and returns, stock never goes negative, reserved never
 * exceeds on hand, the ledger sums to the levels, and units are conserved:
 * on hand plus in transit = received + adjusted + returned - issued.
 */
const W = 3; // locations: a central store and two stations
const P = 2; // parts

const loc = fc.integer({ min: 0, max: W - 1 });
const part = fc.integer({ min: 0, max: P - 1 });
const qty = fc.integer({ min: 1, max: 4 });
const Op = fc.oneof(
  fc.record({ op: fc.constant('receipt' as const), w: loc, p: part, q: qty }),
  fc.record({ op: fc.constant('adjustment' as const), w: loc, p: part, q: fc.integer({ min: -4, max: 4 }).filter((q) => q !== 0) }),
  fc.record({ op: fc.constant('reserve' as const), w: loc, p: part, q: qty }),
  fc.record({ op: fc.constant('release' as const), w: loc, p: part, q: qty }),
  fc.record({ op: fc.constant('transfer' as const), from: loc, to: loc, p: part, q: qty }),
  fc.record({ op: fc.constant('ship' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('receive' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('consume' as const), uses: fc.array(fc.record({ p: part, q: qty, named: fc.option(loc, { nil: undefined }) }), { minLength: 1, maxLength: 2 }), order: fc.nat() }),
  fc.record({ op: fc.constant('return' as const), pick: fc.nat(), w: loc }),
);
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

/** Expected effect of each movement kind on (on hand, reserved): the ledger's own arithmetic, restated. */
const EFFECT: Record<string, [number, number]> = {
  receipt: [1, 0], adjustment: [1, 0], transfer_in: [1, 0], return: [1, 0],
  reservation: [0, 1], release: [0, -1], issue: [-1, -1], transfer_out: [-1, -1],
};

/** Expected refusals: the stock is not there, or the transfer / order is no longer in that state. */
const refused = (err: unknown) => err instanceof AppError && ['CONFLICT', 'ILLEGAL_TRANSITION', 'VALIDATION_FAILED'].includes(err.code);

describe.each(dbTargets())('stock ledger properties on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let run = 0;

  async function world(repos: Repositories) {
    run++;
    const assetId = await store!.newAsset();
    const tag = `${target.name}-${run}-${Math.random().toString(36).slice(2, 7)}`;
    const central = await repos.spareParts.warehouses.create({ code: `C-${tag}`, name: 'Central', level: 'central', location: { lat: 50, lon: 8 } });
    const stations = [];
    for (let i = 0; i < W - 1; i++) stations.push(await repos.spareParts.warehouses.create({ code: `S${i}-${tag}`, name: `Station ${i}`, level: 'station', parentId: central.id, location: { lat: 50 + i, lon: 9 } }));
    const parts = [];
    for (let i = 0; i < P; i++) parts.push(await repos.spareParts.parts.create({ partNumber: `PX${i}-${tag}`.toUpperCase(), description: 'x', unitCost: { amountMinor: 100, currency: 'EUR' }, fitsAssetModelIds: [] }));
    return { assetId, warehouses: [central, ...stations].map((w) => w.id), parts };
  }

  it('keeps every level non-negative, the ledger equal to the levels, and units conserved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 5, maxLength: 25 }), async (ops: Op[]) => {
        const repos = store.repos;
        const w = await world(repos);
        let at = 1_000;
        const opts = () => ({ actor: 'prop', now: (at += 1000), repeatWindowMs: 0 });
        /** Units that entered (+) or left (-) the company's stock through successful operations, per part. */
        const net = new Array<number>(P).fill(0);
        const transfers: string[] = [];
        const open: string[] = [];
        const completed: { id: string; partIds: string[] }[] = [];
        const newOrder = async () => {
          const wo = await repos.workOrders.create({ kind: 'corrective', assetId: w.assetId }, opts());
          open.push(wo.id);
          return wo.id;
        };

        for (const o of ops) {
          try {
            switch (o.op) {
              case 'receipt':
              case 'adjustment':
                await repos.spareParts.stock.move({ warehouseId: w.warehouses[o.w]!, partId: w.parts[o.p]!.id, kind: o.op, quantity: o.q, at: (at += 1) });
                net[o.p]! += o.q;
                break;
              case 'reserve': {
                const woId = open[0] ?? (await newOrder());
                await repos.spareParts.requests.create({ workOrderId: woId, partId: w.parts[o.p]!.id, quantity: o.q, plan: { kind: 'direct', warehouseId: w.warehouses[o.w]! }, at: (at += 1) });
                break;
              }
              case 'release':
                await repos.spareParts.stock.move({ warehouseId: w.warehouses[o.w]!, partId: w.parts[o.p]!.id, kind: 'release', quantity: o.q, at: (at += 1) });
                break;
              case 'transfer':
                if (o.from === o.to) break;
                transfers.push((await repos.spareParts.transfers.request(w.parts[o.p]!.id, w.warehouses[o.from]!, w.warehouses[o.to]!, o.q, (at += 1))).id);
                break;
              case 'ship':
                if (transfers.length) await repos.spareParts.transfers.ship(transfers[o.pick % transfers.length]!, (at += 1));
                break;
              case 'receive':
                if (transfers.length) await repos.spareParts.transfers.receive(transfers[o.pick % transfers.length]!, (at += 1));
                break;
              case 'consume': {
                const woId = open.length ? open[o.order % open.length]! : await newOrder();
                const wo = await repos.workOrders.get(woId);
                if (wo.state === 'open') await repos.workOrders.transition(woId, { from: 'open', to: 'in_progress', actor: 'prop', at: (at += 1) });
                const consumed = new Map<string, number>();
                const sources = new Map<string, { candidates: string[]; named: boolean }>();
                for (const u of o.uses) {
                  const id = w.parts[u.p]!.id;
                  consumed.set(id, (consumed.get(id) ?? 0) + u.q);
                  sources.set(id, u.named === undefined ? { candidates: w.warehouses, named: false } : { candidates: [w.warehouses[u.named]!], named: true });
                }
                const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
                await repos.workOrders.complete(
                  woId,
                  {
                    failureAt: at, symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'none',
                    partsConsumed: [...consumed].map(([partId, quantity]) => ({ partId, partNumber: w.parts.find((p) => p.id === partId)!.partNumber, quantity, unitCost: eur(100) })),
                    labourHours: 0, travelHours: 0, downtimeFrom: at, downtimeTo: at, fixedOnFirstVisit: true, inWarranty: false, chargedTo: 'customer',
                    partsCost: eur(0), labourCost: eur(0), travelCost: eur(0), totalCost: eur(0), consumedByPartId: consumed, sourcesByPartId: sources,
                  },
                  'prop',
                  (at += 1),
                );
                for (const [partId, q] of consumed) net[w.parts.findIndex((p) => p.id === partId)]! -= q;
                open.splice(open.indexOf(woId), 1);
                completed.push({ id: woId, partIds: [...consumed.keys()] });
                break;
              }
              case 'return': {
                const c = completed[o.pick % Math.max(1, completed.length)];
                if (!c) break;
                const partId = c.partIds[o.pick % c.partIds.length]!;
                await repos.spareParts.returns.record(c.id, { partId, quantity: 1, condition: 'unused', warehouseId: w.warehouses[o.w]! }, 'prop', (at += 1));
                net[w.parts.findIndex((p) => p.id === partId)]! += 1;
                break;
              }
            }
          } catch (err) {
            if (!refused(err)) throw err;
          }
        }

        const levels = (await repos.spareParts.stock.levels()).filter((l) => w.warehouses.includes(l.warehouseId));
        const ledger = (await repos.spareParts.stock.movements()).filter((m) => w.warehouses.includes(m.warehouseId));
        for (const l of levels) {
          expect(l.onHand).toBeGreaterThanOrEqual(0);
          expect(l.reserved).toBeGreaterThanOrEqual(0);
          expect(l.reserved).toBeLessThanOrEqual(l.onHand);
          const mine = ledger.filter((m) => m.warehouseId === l.warehouseId && m.partId === l.partId);
          const sum = (i: 0 | 1) => mine.reduce((s, m) => s + EFFECT[m.kind]![i] * m.quantity, 0);
          expect([sum(0), sum(1)], `ledger of ${l.warehouseId} / ${l.partId}`).toEqual([l.onHand, l.reserved]);
        }
        // Every ledger row belongs to a level that exists.
        expect(new Set(ledger.map((m) => `${m.warehouseId}|${m.partId}`)).size).toBeLessThanOrEqual(levels.length);
        const shipped = (await repos.spareParts.transfers.list({ state: 'shipped' })).filter((t) => transfers.includes(t.id));
        for (let p = 0; p < P; p++) {
          const id = w.parts[p]!.id;
          const onHand = levels.filter((l) => l.partId === id).reduce((s, l) => s + l.onHand, 0);
          const inTransit = shipped.filter((t) => t.partId === id).reduce((s, t) => s + t.quantity, 0);
          expect(onHand + inTransit, `units of part ${p}`).toBe(net[p]);
        }
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});
