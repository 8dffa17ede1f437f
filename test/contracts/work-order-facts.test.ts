/**
 * The work-order facts ports (packages/domain, work-order-facts.ts) have two
 * implementations: the relational reader of the work-order tables
 * (packages/db, on SQLite and PostgreSQL) and the in-memory one contracts
 * serves demos and tests from. One suite holds both to the same answers, so
 * a contracts test on the in-memory facts says something about production.
 */
import { staticWorkOrderFacts } from '@hourmeter/contracts';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { newId, type WorkOrderFacts } from '@hourmeter/domain';
import { beforeAll, describe, expect, it } from 'vitest';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);

/** One completed work order, in the terms the ports answer in. */
interface CompletedOrder {
  readonly workOrderId: string;
  readonly assetId: string;
  readonly kind: 'corrective' | 'preventive' | 'inspection';
  readonly description: string;
  readonly completedAt: number;
  readonly downtime: { readonly from: number; readonly to: number };
  readonly cause: string;
  readonly inWarranty: boolean;
  readonly labourHours: number;
  readonly travelHours: number;
  readonly parts: readonly { partNumber: string; quantity: number; unitCostMinor: number; currency: string }[];
  readonly costMinor: { readonly parts: number; readonly labour: number; readonly travel: number };
  readonly currency: string;
}

interface FactsUnderTest {
  readonly facts: WorkOrderFacts;
  /** Records a completed order the way this implementation's source would hold it. */
  complete(order: CompletedOrder): Promise<void>;
  /** An order opened but not completed: no port may report it. */
  openOnly(assetId: string): Promise<void>;
  newAsset(): Promise<string>;
}

function workOrderFactsContract(open: () => FactsUnderTest | undefined): void {
  let sut: FactsUnderTest;
  let pump: string;
  let fan: string;
  let other: string;
  const orders: CompletedOrder[] = [];
  const order = (o: Partial<CompletedOrder> & Pick<CompletedOrder, 'assetId' | 'completedAt'>): CompletedOrder => ({
    workOrderId: newId('workOrder'),
    kind: 'corrective',
    description: 'bearing replaced',
    downtime: { from: o.completedAt - 4 * H, to: o.completedAt },
    cause: 'design',
    inWarranty: true,
    labourHours: 2.5,
    travelHours: 1,
    parts: [{ partNumber: 'BRG-6204', quantity: 2, unitCostMinor: 1250, currency: 'EUR' }],
    costMinor: { parts: 2500, labour: 20_000, travel: 6_000 },
    currency: 'EUR',
    ...o,
  });

  beforeAll(async () => {
    const opened = open();
    if (!opened) return;
    sut = opened;
    [pump, fan, other] = [await sut.newAsset(), await sut.newAsset(), await sut.newAsset()];
    orders.push(
      order({ assetId: pump, completedAt: T0 + 10 * H }),
      order({ assetId: pump, completedAt: T0 + 50 * H, kind: 'preventive', cause: 'planned_maintenance', inWarranty: false, parts: [] }),
      order({ assetId: fan, completedAt: T0 + 30 * H, cause: 'customer_use', labourHours: 0.75, travelHours: 0 }),
      // Completed outside the windows asked for below.
      order({ assetId: pump, completedAt: T0 + 500 * H }),
      order({ assetId: other, completedAt: T0 + 20 * H }),
    );
    for (const o of orders) await sut.complete(o);
    await sut.openOnly(pump);
  });

  const byId = <T extends { workOrderId: string }>(xs: T[]) => [...xs].sort((a, b) => a.workOrderId.localeCompare(b.workOrderId));

  it('reports the downtime of completed orders overlapping the window, corrective ones as unplanned', async () => {
    const got = await sut.facts.unplannedDowntime([pump, fan], T0, T0 + 100 * H);
    const [first, preventive, fanOrder] = orders as [CompletedOrder, CompletedOrder, CompletedOrder];
    expect(byId(got)).toEqual(
      byId(
        [first, preventive, fanOrder].map((o) => ({
          workOrderId: o.workOrderId,
          assetId: o.assetId,
          from: o.downtime.from,
          to: o.downtime.to,
          cause: o.cause,
          planned: o.kind !== 'corrective',
          description: o.description,
        })),
      ),
    );
  });

  it('takes a downtime window that only overlaps the edge of the window, and not one that ends where it starts', async () => {
    const first = orders[0]!;
    expect((await sut.facts.unplannedDowntime([pump], first.downtime.to - 1, first.downtime.to + H)).map((e) => e.workOrderId)).toContain(first.workOrderId);
    expect((await sut.facts.unplannedDowntime([pump], first.downtime.to, first.downtime.to + H)).map((e) => e.workOrderId)).not.toContain(first.workOrderId);
  });

  it('reports the work done on orders completed in [from, to), with their parts', async () => {
    const first = orders[0]!;
    const got = await sut.facts.completedWork([pump], T0, T0 + 50 * H);
    expect(got).toEqual([
      {
        workOrderId: first.workOrderId,
        assetId: pump,
        completedAt: first.completedAt,
        cause: first.cause,
        inWarranty: true,
        labourHours: 2.5,
        travelHours: 1,
        parts: first.parts,
        description: first.description,
      },
    ]);
    // `to` is exclusive, `from` inclusive.
    expect((await sut.facts.completedWork([pump], T0 + 50 * H, T0 + 51 * H)).map((w) => w.workOrderId)).toEqual([orders[1]!.workOrderId]);
  });

  it('reports costs for the assets asked for, or for all of them', async () => {
    const fanOrder = orders[2]!;
    expect(await sut.facts.costs([fan], T0, T0 + 100 * H)).toEqual([
      { workOrderId: fanOrder.workOrderId, assetId: fan, at: fanOrder.completedAt, partsCostMinor: 2500, labourCostMinor: 20_000, travelCostMinor: 6_000, currency: 'EUR' },
    ]);
    const all = (await sut.facts.costs('all', T0, T0 + 100 * H)).map((c) => c.workOrderId).sort();
    expect(all).toEqual([orders[0]!, orders[1]!, orders[2]!, orders[4]!].map((o) => o.workOrderId).sort());
  });

  it('answers nothing for no assets and for an order that is not completed', async () => {
    expect(await sut.facts.unplannedDowntime([], T0, T0 + 1000 * H)).toEqual([]);
    expect(await sut.facts.completedWork([], T0, T0 + 1000 * H)).toEqual([]);
    expect(await sut.facts.costs([], T0, T0 + 1000 * H)).toEqual([]);
    const known = new Set(orders.map((o) => o.workOrderId));
    const everything = [
      ...(await sut.facts.unplannedDowntime([pump], 0, Number.MAX_SAFE_INTEGER)),
      ...(await sut.facts.completedWork([pump], 0, Number.MAX_SAFE_INTEGER)),
      ...(await sut.facts.costs('all', 0, Number.MAX_SAFE_INTEGER)),
    ];
    expect(everything.filter((f) => !known.has(f.workOrderId))).toEqual([]);
  });
}

describe('work-order facts: in memory (contracts)', () => {
  workOrderFactsContract(() => {
    const facts = staticWorkOrderFacts();
    let seq = 0;
    return {
      facts,
      newAsset: async () => `ast_static_${++seq}`,
      openOnly: async () => {},
      complete: async (o) => {
        facts.addDowntime({ workOrderId: o.workOrderId, assetId: o.assetId, ...o.downtime, cause: o.cause, planned: o.kind !== 'corrective', description: o.description });
        facts.addWork({
          workOrderId: o.workOrderId,
          assetId: o.assetId,
          completedAt: o.completedAt,
          cause: o.cause,
          inWarranty: o.inWarranty,
          labourHours: o.labourHours,
          travelHours: o.travelHours,
          parts: o.parts.map((p) => ({ ...p })),
          description: o.description,
        });
        facts.addCost({
          workOrderId: o.workOrderId,
          assetId: o.assetId,
          at: o.completedAt,
          partsCostMinor: o.costMinor.parts,
          labourCostMinor: o.costMinor.labour,
          travelCostMinor: o.costMinor.travel,
          currency: o.currency,
        });
      },
    };
  });
});

describe.each(dbTargets())('work-order facts: relational ($name)', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  workOrderFactsContract(() => ({
    get facts() {
      return store.repos.workOrderFacts;
    },
    newAsset: () => store.newAsset(),
    async openOnly(assetId) {
      await store.db.kysely
        .insertInto('work_orders')
        .values({ id: newId('workOrder'), kind: 'corrective', state: 'open', asset_id: assetId, created_at: T0, updated_at: T0 })
        .execute();
    },
    // The rows the work-order service writes when it completes an order (migration 0003).
    async complete(o) {
      const db = store.db.kysely;
      await db
        .insertInto('work_orders')
        .values({ id: o.workOrderId, kind: o.kind, state: 'completed', asset_id: o.assetId, description: o.description, completed_at: o.completedAt, created_at: T0, updated_at: o.completedAt })
        .execute();
      await db
        .insertInto('work_order_completions')
        .values({
          work_order_id: o.workOrderId,
          failure_at: o.downtime.from,
          symptom_code: 'NOISE',
          cause_code: 'WEAR',
          remedy_code: 'REPLACE',
          responsible_department: o.cause,
          labour_hours: o.labourHours,
          travel_hours: o.travelHours,
          downtime_from: o.downtime.from,
          downtime_to: o.downtime.to,
          fixed_on_first_visit: 1,
          in_warranty: o.inWarranty ? 1 : 0,
          charged_to: 'quality_reserve',
          parts_cost_minor: o.costMinor.parts,
          labour_cost_minor: o.costMinor.labour,
          travel_cost_minor: o.costMinor.travel,
          total_cost_minor: o.costMinor.parts + o.costMinor.labour + o.costMinor.travel,
          currency: o.currency,
          completed_by: 'tech@example.com',
          completed_at: o.completedAt,
        })
        .execute();
      for (const p of o.parts) {
        await db
          .insertInto('work_order_parts_consumed')
          .values({ work_order_id: o.workOrderId, part_id: newId('part'), part_number: p.partNumber, quantity: p.quantity, unit_cost_minor: p.unitCostMinor, currency: p.currency })
          .execute();
      }
    },
  }));
});
