/**
 * The prediction service's PreventiveWorkOrders port
 * (services/prediction/src/scoring/ports.ts) has two implementations: the
 * work-order service's `preventivePort` over the repositories (SQLite and
 * PostgreSQL) and the in-memory one of the embedded demo and prediction's
 * tests. The promise both keep: one open preventive order per asset and
 * failure mode, however often prediction asks.
 */
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { inMemoryPreventiveWorkOrders, type OpenPreventiveInput, type PreventiveWorkOrders } from '@hourmeter/prediction';
import { createLogger } from '@hourmeter/runtime';
import { createWorkOrderService } from '@hourmeter/work-orders';
import { beforeAll, describe, expect, it } from 'vitest';

interface PreventiveUnderTest {
  readonly port: PreventiveWorkOrders;
  newAsset(): Promise<string>;
  /** Ends an open order the way its implementation can (completed or cancelled): it is no longer open. */
  close(workOrderId: string): Promise<void>;
}

const ask = (assetId: string, failureMode = 'bearing_wear'): OpenPreventiveInput => ({
  assetId,
  failureMode,
  alertId: 'alt_01J00000000000000000000000',
  reason: 'vibration trend above the bearing model',
  rulHours: 120,
  severity: 'high',
  suggestedPartNumbers: ['BRG-6204'],
});

function preventiveWorkOrdersContract(open: () => PreventiveUnderTest | undefined): void {
  let sut: PreventiveUnderTest;
  beforeAll(() => {
    const opened = open();
    if (opened) sut = opened;
  });

  it('opens one order per asset and failure mode and returns the open one after that', async () => {
    const asset = await sut.newAsset();
    const first = await sut.port.openPreventive(ask(asset));
    expect(first.created).toBe(true);
    expect(await sut.port.openPreventive(ask(asset))).toEqual({ workOrderId: first.workOrderId, created: false });
    expect(await sut.port.openPreventive({ ...ask(asset), reason: 'another alert, same wear' })).toEqual({ workOrderId: first.workOrderId, created: false });
  });

  it('opens separate orders for another failure mode and for another asset', async () => {
    const asset = await sut.newAsset();
    const other = await sut.newAsset();
    const bearing = await sut.port.openPreventive(ask(asset));
    const seal = await sut.port.openPreventive(ask(asset, 'seal_leak'));
    const elsewhere = await sut.port.openPreventive(ask(other));
    expect([bearing.created, seal.created, elsewhere.created]).toEqual([true, true, true]);
    expect(new Set([bearing.workOrderId, seal.workOrderId, elsewhere.workOrderId]).size).toBe(3);
  });

  it('opens a new order once the open one is no longer open', async () => {
    const asset = await sut.newAsset();
    const first = await sut.port.openPreventive(ask(asset));
    await sut.close(first.workOrderId);
    const next = await sut.port.openPreventive(ask(asset));
    expect(next.created).toBe(true);
    expect(next.workOrderId).not.toBe(first.workOrderId);
  });

  it('opens exactly one order when asked concurrently', async () => {
    const asset = await sut.newAsset();
    const answers = await Promise.all(Array.from({ length: 5 }, () => sut.port.openPreventive(ask(asset))));
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.workOrderId)).size).toBe(1);
  });
}

describe('preventive work orders: in memory (prediction)', () => {
  preventiveWorkOrdersContract(() => {
    const port = inMemoryPreventiveWorkOrders();
    let seq = 0;
    return { port, newAsset: async () => `ast_memory_${++seq}`, close: async (id) => port.complete(id) };
  });
});

describe.each(dbTargets())('preventive work orders: work-order service ($name)', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  preventiveWorkOrdersContract(() => {
    const service = createWorkOrderService({ repos: store.repos, logger: createLogger({ level: 'silent' }) });
    return {
      port: service.preventivePort,
      newAsset: () => store.newAsset(),
      close: async (id) => void (await service.cancel(id, 'planner@example.com', 'done elsewhere')),
    };
  });
});
