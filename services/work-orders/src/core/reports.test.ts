import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';
import {
  backlog,
  fillAndStockOut,
  firstTimeFixRate,
  hazardReport,
  inventoryTurnover,
  mtbfMttr,
  repeatFailureRate,
  topFailingParts,
  warrantyByBatch,
  type CompletionFact,
  type WorkOrderFact,
} from './reports.js';
import { qualityBonusMinor, thresholdsReached } from './reserves.js';

// A quarter, Jan 1 - Apr 1 2026 (UTC), with every expected number worked out by hand below.
const t = (iso: string) => Date.parse(`${iso}Z`);
const H = 3_600_000;
const P = { from: t('2026-01-01T00:00:00'), to: t('2026-04-01T00:00:00') };
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

function c(id: string, kind: CompletionFact['kind'], model: string, failure: string, completed: string, fixed: boolean, downtimeH: number, dept: string, cause: string, cost: number, chargedTo: string, batch?: string, repeated = false): CompletionFact {
  const failureAt = t(failure);
  return { workOrderId: id, kind, assetModelId: model, failureAt, completedAt: t(completed), fixedOnFirstVisit: fixed, firstTimeFix: fixed && !repeated, downtimeFrom: failureAt, downtimeTo: failureAt + downtimeH * H, responsibleDepartment: dept, causeCode: cause, chargedTo, productionBatchId: batch, totalCost: eur(cost) };
}

const completions = [
  c('wo1', 'corrective', 'M1', '2026-01-10T08:00:00', '2026-01-11T10:00:00', true, 4, 'production', 'BRG-WEAR', 500_00, 'quality_reserve', 'B1'),
  c('wo2', 'corrective', 'M1', '2026-02-05T08:00:00', '2026-02-06T10:00:00', false, 10, 'customer_use', 'MISUSE', 200_00, 'sales'),
  c('wo3', 'preventive', 'M2', '2026-02-20T08:00:00', '2026-02-20T12:00:00', true, 2, 'none', 'WEAR', 100_00, 'customer'),
  // Recorded as fixed on the first visit, but a repeat followed within the window.
  c('wo4', 'corrective', 'M2', '2026-03-03T08:00:00', '2026-03-04T10:00:00', true, 6, 'production', 'BRG-WEAR', 300_00, 'quality_reserve', 'B1', true),
  c('wo5', 'inspection', 'M1', '2026-03-10T08:00:00', '2026-03-10T09:00:00', true, 0, 'none', 'NONE', 50_00, 'customer'),
  // Outside the period (failure Apr 1 12:00, completed Apr 2).
  c('wo6', 'corrective', 'M1', '2026-04-01T12:00:00', '2026-04-02T10:00:00', false, 3, 'design', 'CRACK', 999_00, 'quality_reserve', 'B2'),
];

describe('service reports on a hand-checked fixture', () => {
  it('first-time-fix rate: 3 of the 5 orders completed in the quarter (wo2 needed a second visit, wo4 was repeated)', () => {
    expect(firstTimeFixRate(completions, P)).toEqual({ completed: 5, fixedOnFirstVisit: 3, repeatedAfterFix: 1, rate: 0.6 });
  });

  it('repeat-failure rate: 2 of 4 corrective orders opened in the quarter', () => {
    const o = (id: string, kind: WorkOrderFact['kind'], created: string, repeatOfId?: string): WorkOrderFact => ({ id, kind, state: 'completed', assetId: 'a', assetModelId: 'M1', createdAt: t(created), repeatOfId });
    const orders = [
      o('o1', 'corrective', '2026-01-05T00:00:00'),
      o('o2', 'corrective', '2026-01-20T00:00:00', 'o1'),
      o('o3', 'preventive', '2026-02-01T00:00:00'),
      o('o4', 'corrective', '2026-02-10T00:00:00'),
      o('o7', 'corrective', '2026-03-31T23:00:00', 'o4'),
      o('o8', 'corrective', '2025-12-31T23:00:00', 'o0'),
    ];
    expect(repeatFailureRate(orders, P)).toEqual({ correctiveOrders: 4, repeatFailures: 2, rate: 0.5 });
  });

  it('MTBF and MTTR per model from the hour meter and corrective downtime', () => {
    // M1: 1000 h over 2 failures (wo1 4 h, wo2 10 h) -> MTBF 500 h, MTTR 7 h
    // M2: 600 h over 1 failure (wo4 6 h; wo3 is preventive) -> MTBF 600 h, MTTR 6 h
    // M3: 50 h, no failures -> nothing to divide
    const hours = new Map([['M1', 1000 * H], ['M2', 600 * H], ['M3', 50 * H]]);
    expect(mtbfMttr(completions, hours, P)).toEqual([
      { assetModelId: 'M1', failures: 2, operatingHours: 1000, mtbfHours: 500, mttrHours: 7 },
      { assetModelId: 'M2', failures: 1, operatingHours: 600, mtbfHours: 600, mttrHours: 6 },
      { assetModelId: 'M3', failures: 0, operatingHours: 50, mtbfHours: null, mttrHours: null },
    ]);
  });

  it('MTBF is null, not 0, where no operating hours were metered; MTTR still defined by the repairs', () => {
    // M1 has failures but no hour-meter data; M2 metered 0 h.
    expect(mtbfMttr(completions, new Map([['M2', 0]]), P)).toEqual([
      { assetModelId: 'M1', failures: 2, operatingHours: null, mtbfHours: null, mttrHours: 7 },
      { assetModelId: 'M2', failures: 1, operatingHours: 0, mtbfHours: null, mttrHours: 6 },
    ]);
  });

  it('top failing parts by units, then cost; inspections, installations and other periods left out', () => {
    const p = (workOrderId: string, partNumber: string, quantity: number, unitCostMinor: number) => ({ workOrderId, partNumber, quantity, unitCostMinor, currency: 'EUR' });
    const consumed = [
      p('wo1', 'BRG-6205', 2, 45_00),
      p('wo2', 'BRG-6205', 1, 45_00),
      p('wo2', 'SEAL-22', 3, 5_00),
      p('wo3', 'FLT-100', 1, 20_00),
      p('wo4', 'SEAL-22', 1, 5_00),
      p('wo4', 'BRG-6205', 1, 45_00),
      p('wo5', 'FLT-100', 5, 20_00), // inspection
      p('wo6', 'BRG-6205', 10, 45_00), // next quarter
      p('wo7', 'BRG-6205', 9, 45_00), // fitted on an installation: new equipment, no failure
    ];
    const withInstallation = [...completions, c('wo7', 'installation', 'M1', '2026-03-12T08:00:00', '2026-03-12T16:00:00', true, 0, 'none', 'NONE', 0, 'sales')];
    // BRG-6205: 2+1+1 = 4 units in 3 orders, 4 x 45.00 = 180.00; SEAL-22: 3+1 = 4 units, 20.00; FLT-100: 1 unit, 20.00
    expect(topFailingParts(consumed, withInstallation, P)).toEqual([
      { rank: 1, partNumber: 'BRG-6205', count: 4, orders: 3, costMinor: 180_00, currency: 'EUR' },
      { rank: 2, partNumber: 'SEAL-22', count: 4, orders: 2, costMinor: 20_00, currency: 'EUR' },
      { rank: 3, partNumber: 'FLT-100', count: 1, orders: 1, costMinor: 20_00, currency: 'EUR' },
    ]);
    expect(topFailingParts(consumed, completions, P, 1)).toHaveLength(1);
  });

  it('hazard report: causes and cost by department per month', () => {
    const h = hazardReport(completions, P);
    expect(h.rows).toEqual([
      { period: '2026-01', department: 'production', causeCode: 'BRG-WEAR', orders: 1, costMinor: 500_00, currency: 'EUR' },
      { period: '2026-02', department: 'customer_use', causeCode: 'MISUSE', orders: 1, costMinor: 200_00, currency: 'EUR' },
      { period: '2026-02', department: 'none', causeCode: 'WEAR', orders: 1, costMinor: 100_00, currency: 'EUR' },
      { period: '2026-03', department: 'production', causeCode: 'BRG-WEAR', orders: 1, costMinor: 300_00, currency: 'EUR' },
      { period: '2026-03', department: 'none', causeCode: 'NONE', orders: 1, costMinor: 50_00, currency: 'EUR' },
    ]);
    expect(h.totals).toEqual([
      { department: 'production', orders: 2, costMinor: 800_00 },
      { department: 'customer_use', orders: 1, costMinor: 200_00 },
      { department: 'none', orders: 2, costMinor: 150_00 },
    ]);
  });

  it('warranty cost per batch against its reserve, with its state', () => {
    const b = (id: string, reserveMinor: number, consumedMinor: number, orders: number, events: { kind: string; amountMinor: number }[] = []) =>
      ({ productionBatchId: id, code: `B-${id}`, assetModelId: 'M1', currency: 'EUR', reserveMinor, consumedMinor, orders, warrantyEndsOn: '2027-12-31', events });
    expect(warrantyByBatch([b('1', 1000_00, 800_00, 2), b('2', 500_00, 0, 0), b('3', 500_00, 500_00, 3), b('4', 500_00, 650_00, 4), b('5', 500_00, 100_00, 1, [{ kind: 'bonus_released', amountMinor: 400_00 }])])).toEqual([
      { productionBatchId: '1', code: 'B-1', assetModelId: 'M1', currency: 'EUR', reserveMinor: 1000_00, consumedMinor: 800_00, remainingMinor: 200_00, orders: 2, consumedShare: 0.8, warrantyEndsOn: '2027-12-31', state: 'warning', bonusReleasedMinor: null },
      { productionBatchId: '2', code: 'B-2', assetModelId: 'M1', currency: 'EUR', reserveMinor: 500_00, consumedMinor: 0, remainingMinor: 500_00, orders: 0, consumedShare: 0, warrantyEndsOn: '2027-12-31', state: 'ok', bonusReleasedMinor: null },
      { productionBatchId: '3', code: 'B-3', assetModelId: 'M1', currency: 'EUR', reserveMinor: 500_00, consumedMinor: 500_00, remainingMinor: 0, orders: 3, consumedShare: 1, warrantyEndsOn: '2027-12-31', state: 'exhausted', bonusReleasedMinor: null },
      { productionBatchId: '4', code: 'B-4', assetModelId: 'M1', currency: 'EUR', reserveMinor: 500_00, consumedMinor: 650_00, remainingMinor: -150_00, orders: 4, consumedShare: 1.3, warrantyEndsOn: '2027-12-31', state: 'overdrawn', bonusReleasedMinor: null },
      { productionBatchId: '5', code: 'B-5', assetModelId: 'M1', currency: 'EUR', reserveMinor: 500_00, consumedMinor: 100_00, remainingMinor: 400_00, orders: 1, consumedShare: 0.2, warrantyEndsOn: '2027-12-31', state: 'released', bonusReleasedMinor: 400_00 },
    ]);
  });

  it('reserve thresholds in integer arithmetic', () => {
    expect(thresholdsReached({ reserveMinor: 1001, consumedMinor: 800 })).toEqual([]);
    expect(thresholdsReached({ reserveMinor: 1001, consumedMinor: 801 })).toEqual(['warning']);
    expect(thresholdsReached({ reserveMinor: 1001, consumedMinor: 1001 })).toEqual(['warning', 'exhausted']);
    expect(thresholdsReached({ reserveMinor: 0, consumedMinor: 1 })).toEqual(['warning', 'exhausted']);
    expect(qualityBonusMinor({ reserveMinor: 500, consumedMinor: 650 })).toBe(0);
  });

  it('fill rate and stock-out rate of part requests', () => {
    const r = (sourcing: 'direct' | 'transfer' | 'backorder', at: string) => ({ sourcing, requestedAt: t(at) });
    const reqs = [
      ...Array.from({ length: 7 }, () => r('direct', '2026-02-01T00:00:00')),
      r('transfer', '2026-02-02T00:00:00'),
      r('transfer', '2026-02-03T00:00:00'),
      r('backorder', '2026-03-01T00:00:00'),
      r('direct', '2026-04-01T00:00:00'), // outside
    ];
    expect(fillAndStockOut(reqs, P)).toEqual({ requests: 10, servedFromStock: 7, servedByTransfer: 2, stockOuts: 1, fillRate: 0.7, stockOutRate: 0.1 });
  });

  it('inventory turnover: cost issued / average inventory value', () => {
    const m = (kind: string, quantity: number, at: string) => ({ warehouseId: 'W1', partId: 'P1', kind, quantity, at: t(at) });
    const movements = [
      m('receipt', 10, '2026-01-02T00:00:00'),
      m('issue', 3, '2026-02-01T00:00:00'),
      m('issue', 2, '2026-03-01T00:00:00'),
      m('reservation', 1, '2026-03-02T00:00:00'),
      m('issue', 4, '2026-04-05T00:00:00'),
      m('receipt', 4, '2026-04-06T00:00:00'),
    ];
    // On hand now 5 -> at Apr 1: 5 - (-4 + 4) = 5; at Jan 1: 5 - (10 - 3 - 2 - 4 + 4) = 0.
    // Issued in the quarter 5 x 10.00 = 50.00; average value (0 + 50.00) / 2 = 25.00 -> turnover 2.
    expect(inventoryTurnover([{ warehouseId: 'W1', partId: 'P1', onHand: 5 }], movements, new Map([['P1', 10_00]]), P)).toEqual([
      { warehouseId: 'W1', issuedCostMinor: 50_00, startValueMinor: 0, endValueMinor: 50_00, turnover: 2 },
    ]);
  });

  it('backlog with SLA status', () => {
    const now = t('2026-03-31T12:00:00');
    const o = (id: string, state: WorkOrderFact['state'], created: string, sla?: string): WorkOrderFact => ({ id, kind: 'corrective', state, assetId: 'a', assetModelId: 'M1', createdAt: t(created), slaDueAt: sla ? t(sla) : undefined });
    const b = backlog(
      [
        o('d', 'open', '2026-03-30T12:00:00'),
        o('c', 'in_progress', '2026-03-01T00:00:00', '2026-04-05T00:00:00'),
        o('b', 'scheduled', '2026-03-30T00:00:00', '2026-04-01T00:00:00'),
        o('a', 'open', '2026-03-29T00:00:00', '2026-03-31T06:00:00'),
        o('e', 'completed', '2026-03-01T00:00:00', '2026-03-02T00:00:00'),
      ],
      now,
    );
    expect(b.rows.map((r) => [r.workOrderId, r.slaStatus, r.ageHours])).toEqual([
      ['a', 'breached', 60],
      ['b', 'at_risk', 36],
      ['c', 'on_track', 732],
      ['d', 'no_sla', 24],
    ]);
    expect(b.summary).toEqual({ total: 4, breached: 1, at_risk: 1, on_track: 1, no_sla: 1 });
  });

  it('writes RFC 4180 CSV', () => {
    expect(toCsv([{ a: 1, b: 'x,y' }, { a: null, c: 'say "hi"' }])).toBe('a,b,c\r\n1,"x,y",\r\n,,"say ""hi"""\r\n');
  });
});
