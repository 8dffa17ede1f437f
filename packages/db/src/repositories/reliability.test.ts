import { describe, expect, it } from 'vitest';
import { dbTargets, expectAppError, useDbTarget } from '../testing.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const OPTS = { actor: 'test', now: T0, repeatWindowMs: 30 * DAY };
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe.each(dbTargets())('reliability repository on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;

  /** Opens, starts and completes an order with a failure at `failureAt`. */
  async function completed(assetId: string, kind: 'corrective' | 'preventive' | 'inspection', failureMode: string, failureAt: number, completedAt: number) {
    const r = t!.repos;
    const wo = await r.workOrders.create({ kind, assetId, failureMode }, OPTS);
    await r.workOrders.transition(wo.id, { from: 'open', to: 'in_progress', actor: 'x', at: completedAt - 1 });
    await r.workOrders.complete(
      wo.id,
      {
        failureAt, symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'customer_use', partsConsumed: [], labourHours: 1, travelHours: 0,
        downtimeFrom: failureAt, downtimeTo: completedAt, fixedOnFirstVisit: true, inWarranty: false, chargedTo: 'customer',
        partsCost: eur(0), labourCost: eur(0), travelCost: eur(0), totalCost: eur(0), consumedByPartId: new Map(), sourcesByPartId: new Map(),
      },
      'x',
      completedAt,
    );
    return wo.id;
  }

  it('gives the population, the orders that end lives of a failure mode and the hour-meter days', async () => {
    const r = t.repos;
    const assetId = await t.newAsset();
    const asset = (await r.assets.find(assetId))!;
    const failure = await completed(assetId, 'corrective', 'bearing_wear', T0 + 10 * DAY, T0 + 11 * DAY);
    const replacement = await completed(assetId, 'preventive', 'bearing_wear', T0 + 20 * DAY, T0 + 21 * DAY);
    await completed(assetId, 'corrective', 'seal_leak', T0 + 5 * DAY, T0 + 6 * DAY); // another mode
    await completed(assetId, 'inspection', 'bearing_wear', T0 + 7 * DAY, T0 + 8 * DAY); // not a life end
    await r.workOrders.create({ kind: 'corrective', assetId, failureMode: 'bearing_wear' }, OPTS); // still open

    expect(await r.reliability.populationAssets(asset.assetModelId)).toEqual([{ assetId, serialNumber: asset.serialNumber, commissionedAt: Date.parse('2026-01-01T00:00:00Z'), status: 'active' }]);
    expect(await r.reliability.lifeEndingOrders(asset.assetModelId, 'bearing_wear')).toEqual([
      { assetId, workOrderId: failure, kind: 'failure', at: T0 + 10 * DAY }, // the failure time, not the completion
      { assetId, workOrderId: replacement, kind: 'replacement', at: T0 + 21 * DAY },
    ]);
    expect(await r.reliability.recordedFailureModes(asset.assetModelId)).toEqual(['seal_leak', 'bearing_wear'].sort());

    const settings = JSON.stringify({ rule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    await r.operatingHours.record({ assetId, day: '2026-01-02', operatingMs: 7_200_000, samples: 2, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings });
    const days = await r.reliability.operatingDays(asset.assetModelId);
    expect(days.get(assetId)).toEqual([{ day: '2026-01-02', hours: 2 }]);
  });

  it('versions models per asset model and failure mode with one active', async () => {
    const r = t.repos;
    const assetId = await t.newAsset();
    const { assetModelId } = (await r.assets.find(assetId))!;
    const base = { assetModelId, failureMode: 'bearing_wear', kind: 'weibull', ageAxis: 'operating_hours', restoration: 'as_good_as_new', dataTo: T0, failures: 3, censored: 7, fit: { status: 'fitted', shape: 1.5 }, backtest: null, trigger: 'manual' };
    const v1 = await r.reliability.models.create({ ...base, activate: true }, T0);
    expect(v1).toMatchObject({ version: 1, status: 'active', activatedAt: T0, fit: { shape: 1.5 }, backtest: null });
    expect(v1.id).toMatch(/^rel_/);
    const v2 = await r.reliability.models.create({ ...base, backtest: { rmseHours: 12 } }, T0 + 1);
    expect(v2).toMatchObject({ version: 2, status: 'inactive', backtest: { rmseHours: 12 } });
    const other = await r.reliability.models.create({ ...base, failureMode: 'seal_leak', activate: true });
    expect(other.version).toBe(1);
    await r.reliability.models.activate(assetModelId, 'bearing_wear', 2, T0 + 2);
    expect((await r.reliability.models.active(assetModelId, 'bearing_wear'))?.version).toBe(2);
    expect((await r.reliability.models.active(assetModelId, 'seal_leak'))?.version).toBe(1);
    expect((await r.reliability.models.list(assetModelId, 'bearing_wear')).map((m) => [m.version, m.status])).toEqual([[2, 'active'], [1, 'inactive']]);
    await expectAppError(r.reliability.models.activate(assetModelId, 'bearing_wear', 9), 'NOT_FOUND');
  });
});
