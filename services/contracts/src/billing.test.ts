import type { Db, Repositories } from '@hourmeter/db';
import { ContractInput, type ContractInput as ContractInputT } from '@hourmeter/domain';
import type { AppError } from '@hourmeter/runtime';
import { sql } from 'kysely';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticWorkOrderFacts } from './adapters/static.js';
import { createContractsService, type ContractsService } from './service.js';
import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';

const logger = pino({ level: 'silent' });
const H = 3_600_000;
const NOW = Date.UTC(2026, 5, 15, 12); // issue date: numbers are 2026-xxxxxx

const targets = dbTargets();

const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += 86_400_000) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
};

describe.each(targets)('contracts and billing on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let db: Db;
  let repos: Repositories;
  let svc: ContractsService;
  const facts = staticWorkOrderFacts();
  let customerId: string;
  let siteId: string;
  let modelId: string;
  let serial = 0;

  beforeAll(async () => {
    ({ db, repos } = store);
    svc = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => NOW });
    const customer = await repos.customers.create({
      name: 'Acme Foods',
      currency: 'EUR',
      value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'large', influence: 0.5 },
    });
    customerId = customer.id;
    siteId = (await repos.sites.create({ customerId, name: 'Plant 1', timezone: 'UTC' })).id;
    modelId = (
      await repos.assetModels.create({
        code: 'PUMP-1',
        name: 'Pump',
        runningRule: { kind: 'threshold', metric: 'rpm', above: 100 },
        maxGapSeconds: 600,
        warrantyMonths: 12,
        leadTimeHours: 72,
      })
    ).id;
  });

  async function asset(): Promise<string> {
    return (await repos.assets.create({ serialNumber: `SN-${++serial}`, assetModelId: modelId, siteId, commissionedOn: '2024-01-01', status: 'active' })).id;
  }

  async function meter(assetId: string, from: string, to: string, hours: number) {
    for (const day of days(from, to)) {
      await repos.operatingHours.record({ assetId, day, operatingMs: hours * H, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    }
  }

  function pbh(assetIds: string[], over: Record<string, unknown> = {}, startsOn = '2026-01-01', endsOn = '2027-12-31'): ContractInputT {
    return ContractInput.parse({
      customerId,
      assetIds,
      startsOn,
      endsOn,
      currency: 'EUR',
      terms: {
        kind: 'pbh',
        ratePerHourMinor: 5_000,
        availabilityGuaranteePercent: 98,
        creditSchedule: { stepPoints: 0.5, percentPerStep: 2, capPercent: 10 },
        ...over,
      },
    });
  }

  const lines = async (invoiceId: string) => (await svc.getInvoice(invoiceId)).lines.map((l) => [l.kind, l.amountMinor]);

  it('splits a period crossing the anniversary by day at the two rates', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a], { ratePerHourMinor: 10_000, annualEscalationPercent: 3 }, '2025-03-16'));
    await meter(a, '2026-03-01', '2026-03-31', 10);
    const out = await svc.invoiceContract(c.id, '2026-03');
    // 1-15 March: 15 days x 10 h = 150 h x 100.00 = 15,000.00 -> 1,500,000
    // 16-31 March (year 2, 100.00 x 1.03 = 103.00): 16 x 10 h = 160 h x 103.00 = 16,480.00 -> 1,648,000
    // total 3,148,000; no minimum, no downtime
    expect(await lines(out.invoiceId!)).toEqual([
      ['usage', 1_500_000],
      ['usage', 1_648_000],
    ]);
    expect(out.totalMinor).toBe(3_148_000);
    const inv = await svc.getInvoice(out.invoiceId!);
    expect(inv.lines.map((l) => [l.fromDay, l.toDay, l.quantity, l.unitPriceMinor])).toEqual([
      ['2026-03-01', '2026-03-15', 150, 10_000],
      ['2026-03-16', '2026-03-31', 160, 10_300],
    ]);
  });

  it('trues up to the minimum billable hours', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a], { minimumHoursPerPeriod: 400 }));
    await meter(a, '2026-01-01', '2026-01-31', 10);
    const out = await svc.invoiceContract(c.id, '2026-01');
    // metered 31 x 10 h = 310 h x 50.00 = 15,500.00 -> 1,550,000
    // minimum 400 h: shortfall 90 h x 50.00 = 4,500.00 -> 450,000 ; total 2,000,000
    expect(await lines(out.invoiceId!)).toEqual([
      ['usage', 1_550_000],
      ['minimum_true_up', 450_000],
    ]);
    expect(out.totalMinor).toBe(2_000_000);
  });

  it('credits missed availability; excluded causes and planned work do not count, excluded work is billed', async () => {
    const a = await asset();
    const c = await svc.createContract(
      pbh([a], { extraWorkRates: { labourRatePerHourMinor: 8_000, travelRatePerHourMinor: 4_000, partsMarkupPercent: 15 } }),
    );
    await meter(a, '2026-01-01', '2026-01-31', 10);
    const t = (d: number, h: number) => Date.UTC(2026, 0, d, h);
    facts.addDowntime({ workOrderId: 'wo_A', assetId: a, from: t(5, 0), to: t(5, 20), cause: 'design', planned: false }); // 20 h counted
    facts.addDowntime({ workOrderId: 'wo_B', assetId: a, from: t(5, 10), to: t(5, 22), cause: 'production', planned: false }); // overlaps: +2 h
    facts.addDowntime({ workOrderId: 'wo_C', assetId: a, from: t(10, 0), to: t(10, 10), cause: 'customer_use', planned: false }); // excluded
    facts.addDowntime({ workOrderId: 'wo_D', assetId: a, from: t(12, 0), to: t(12, 5), cause: 'none', planned: true }); // planned
    facts.addWork({
      workOrderId: 'wo_C',
      assetId: a,
      completedAt: t(10, 12),
      cause: 'customer_use',
      inWarranty: false,
      labourHours: 3,
      travelHours: 1.5,
      parts: [{ partNumber: 'SEAL-1', quantity: 2, unitCostMinor: 1_235 }],
    });
    facts.addWork({ workOrderId: 'wo_A', assetId: a, completedAt: t(5, 21), cause: 'design', inWarranty: false, labourHours: 5, travelHours: 1, parts: [] });

    const avail = await svc.availability(c.id, '2026-01');
    // scheduled 24 x 31 = 744 h; downtime 22 h (A 0-20 h, B adds 20-22 h); 722/744 = 97.043%
    expect(avail.scheduledMs).toBe(744 * H);
    expect(avail.downtimeMs).toBe(22 * H);
    expect(avail.availabilityPercent).toBe(97.043);
    expect(avail.events.map((e) => [e.workOrderId, e.reason, e.countedMs])).toEqual([
      ['wo_A', 'unplanned', 20 * H],
      ['wo_B', 'unplanned', 2 * H],
      ['wo_C', 'excluded_cause', 0],
      ['wo_D', 'planned_maintenance', 0],
    ]);
    // 0.957 points below 98.0 -> 2 steps (0.5 each, part counts) x 2% = 4%
    expect([avail.creditSteps, avail.creditPercent]).toEqual([2, 4]);

    const out = await svc.invoiceContract(c.id, '2026-01');
    // usage 310 h x 50.00 = 1,550,000 ; credit 4% of 1,550,000 = -62,000
    // wo_C (customer use) extra work: labour 3 h x 80.00 = 24,000 ; travel 1.5 h x 40.00 = 6,000
    //   part 12.35 x 1.15 = 14.2025 -> 14.20 (1,420) x 2 = 2,840 ; wo_A (design) is covered by PBH
    expect(await lines(out.invoiceId!)).toEqual([
      ['usage', 1_550_000],
      ['availability_credit', -62_000],
      ['time_and_materials', 24_000],
      ['travel', 6_000],
      ['parts', 2_840],
    ]);
    expect(out.totalMinor).toBe(1_550_000 - 62_000 + 24_000 + 6_000 + 2_840);
  });

  it('caps the credit', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a]));
    await meter(a, '2026-01-01', '2026-01-31', 10);
    // 100 h down of 744: 86.56% -> 23 steps x 2% = 46% -> capped at 10%: -155,000 of 1,550,000
    facts.addDowntime({ workOrderId: 'wo_E', assetId: a, from: Date.UTC(2026, 0, 20), to: Date.UTC(2026, 0, 20) + 100 * H, cause: 'design', planned: false });
    const out = await svc.invoiceContract(c.id, '2026-01');
    expect(await lines(out.invoiceId!)).toEqual([
      ['usage', 1_550_000],
      ['availability_credit', -155_000],
    ]);
  });

  it('turns usage that changes after invoicing into an adjustment on the next invoice; issued invoices never change', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a]));
    await meter(a, '2026-01-01', '2026-02-28', 10);
    const jan = await svc.invoiceContract(c.id, '2026-01');
    const issued = await svc.issue(jan.invoiceId!);
    expect(issued.number).toMatch(/^2026-\d{6}$/);
    // Late data: 10 January grows from 10 h to 12 h, 11 January shrinks to 9 h.
    await meter(a, '2026-01-10', '2026-01-10', 12);
    await meter(a, '2026-01-11', '2026-01-11', 9);
    // Re-running January changes nothing: it is issued.
    expect((await svc.invoiceContract(c.id, '2026-01')).outcome).toBe('already_issued');
    expect(await svc.getInvoice(jan.invoiceId!)).toEqual(issued);
    const feb = await svc.invoiceContract(c.id, '2026-02');
    // February: 28 x 10 h = 280 h x 50.00 = 1,400,000
    // adjustments: +2 h x 50.00 = 10,000 ; -1 h x 50.00 = -5,000
    expect(await lines(feb.invoiceId!)).toEqual([
      ['usage', 1_400_000],
      ['adjustment', 10_000],
      ['adjustment', -5_000],
    ]);
    // Running February again is idempotent (same invoice, same lines, adjustment not doubled).
    const again = await svc.invoiceContract(c.id, '2026-02');
    expect([again.invoiceId, again.outcome, again.totalMinor]).toEqual([feb.invoiceId, 'refreshed', 1_405_000]);
    // After February is issued, March has no adjustment for January any more.
    await svc.issue(feb.invoiceId!);
    await meter(a, '2026-03-01', '2026-03-31', 0);
    const mar = await svc.invoiceContract(c.id, '2026-03');
    expect((await svc.getInvoice(mar.invoiceId!)).lines.filter((l) => l.kind === 'adjustment')).toEqual([]);
    // The usage record of 10 January is version 2, its history kept.
    expect((await repos.billing.usageVersions(a, '2026-01-10')).map((v) => v.operatingMs)).toEqual([10 * H, 12 * H]);
    // The database itself refuses to edit an issued invoice or its lines.
    await expect(sql`UPDATE invoices SET total_minor = 1 WHERE id = ${jan.invoiceId}`.execute(db.kysely)).rejects.toThrow(/HM_IMMUTABLE/);
    await expect(sql`DELETE FROM invoice_lines WHERE invoice_id = ${jan.invoiceId}`.execute(db.kysely)).rejects.toThrow(/HM_IMMUTABLE/);
  });

  it('makes one invoice per contract and period whatever runs repeat or race', async () => {
    const a = await asset();
    const b = await asset();
    const c1 = await svc.createContract(pbh([a], {}, '2026-04-01'));
    const c2 = await svc.createContract(pbh([b], {}, '2026-04-01'));
    await meter(a, '2026-04-01', '2026-04-30', 8);
    await meter(b, '2026-04-01', '2026-04-30', 8);
    // Fresh usage, three racing runs first (metering sync and invoice insert race too), then repeats.
    const raced = await Promise.all([svc.runPeriod('2026-04'), svc.runPeriod('2026-04'), svc.invoiceContract(c1.id, '2026-04')]);
    expect(raced.flatMap((r) => ('outcomes' in r ? r.outcomes : [r])).filter((o) => o.outcome === 'failed')).toEqual([]);
    await svc.runPeriod('2026-04');
    await svc.runPeriod('2026-04');
    for (const c of [c1, c2]) {
      const page = await svc.listInvoices({ contractId: c.id });
      expect(page.items).toHaveLength(1);
      // 30 x 8 h = 240 h x 50.00 = 1,200,000
      expect(page.items[0]!.totalMinor).toBe(1_200_000);
      expect(page.items[0]!.lines).toHaveLength(1);
    }
    const runId = await svc.startRun('2026-04');
    await svc.settle(runId);
    const run = await svc.getRun(runId);
    expect(run.status).toBe('succeeded');
  });

  it('issues once, numbers gaplessly under concurrency, and credits at most the remaining amount', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await asset();
      const c = await svc.createContract(pbh([a], {}, '2026-05-01'));
      await meter(a, '2026-05-01', '2026-05-31', 1);
      ids.push((await svc.invoiceContract(c.id, '2026-05')).invoiceId!);
    }
    // Six concurrent issues, each invoice also issued twice at once: exactly one wins per invoice.
    const results = await Promise.allSettled([...ids, ...ids].map((id) => svc.issue(id)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(6);
    for (const r of results.filter((r) => r.status === 'rejected')) expect(((r).reason as AppError).code).toBe('ILLEGAL_TRANSITION');
    await expectAppError(svc.issue(ids[0]!), 'ILLEGAL_TRANSITION');
    // Every number of 2026 issued in this database so far: 1..N, no gap, no repeat.
    const rows = await db.kysely.selectFrom('invoices').select('number').where('number', 'is not', null).execute();
    const seq = rows.map((r) => Number(r.number!.slice(5))).sort((x, y) => x - y);
    expect(seq).toEqual(seq.map((_, i) => i + 1));

    // 31 h x 50.00 = 155,000 on each. Credit 100,000, then 55,001 is too much, 55,000 fits.
    const inv = ids[0]!;
    const note = await svc.creditNote(inv, { amountMinor: 100_000, reason: 'goodwill' });
    expect(note.number).toBe('CN-2026-000001');
    const err = await expectAppError(svc.creditNote(inv, { amountMinor: 55_001, reason: 'too much' }), 'CONFLICT');
    expect(err.message).toMatch(/remaining 55000/);
    expect((await svc.creditNote(inv, { amountMinor: 55_000, reason: 'rest' })).number).toBe('CN-2026-000002');
    expect((await svc.getInvoice(inv)).creditedMinor).toBe(155_000);
    await expectAppError(svc.creditNote(inv, { amountMinor: 1, reason: 'nothing left' }), 'CONFLICT');
    expect(await svc.creditNotes(inv)).toHaveLength(2);
  });

  it('refuses overlapping PBH coverage and amendments inside an invoiced period, writing nothing', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a], {}, '2026-01-01', '2026-12-31'));
    const err = await expectAppError(svc.createContract(pbh([a], {}, '2026-06-01', '2027-05-31')), 'CONFLICT');
    expect(err.message).toContain(c.id);
    expect((await svc.listContracts({ assetId: a })).items).toHaveLength(1);
    // Adjacent, not overlapping, is fine; warranty on the same asset is fine.
    await svc.createContract(pbh([a], {}, '2027-01-01', '2027-12-31'));
    await svc.createContract(ContractInput.parse({ customerId, assetIds: [a], startsOn: '2026-01-01', endsOn: '2026-12-31', currency: 'EUR', terms: { kind: 'warranty', coversParts: true, coversLabour: true } }));

    await meter(a, '2026-01-01', '2026-01-31', 10);
    await svc.issue((await svc.invoiceContract(c.id, '2026-01')).invoiceId!);
    await expectAppError(svc.amend(c.id, { effectiveFrom: '2026-01-20', terms: { ...(c.versions[0]!.terms as object), ratePerHourMinor: 6_000 } as never }), 'CONFLICT');
    expect((await svc.getContract(c.id)).versions).toHaveLength(1);
    // From February: a new version; January's history is untouched.
    const amended = await svc.amend(c.id, { effectiveFrom: '2026-02-01', terms: { ...(c.versions[0]!.terms as object), ratePerHourMinor: 6_000 } as never, reason: 'renegotiated' });
    expect(amended.versions.map((v) => [v.version, v.effectiveFrom, (v.terms as { ratePerHourMinor: number }).ratePerHourMinor])).toEqual([
      [1, '2026-01-01', 5_000],
      [2, '2026-02-01', 6_000],
    ]);
    await meter(a, '2026-02-01', '2026-02-28', 1);
    // 28 h x 60.00 = 168,000
    expect((await svc.invoiceContract(c.id, '2026-02')).totalMinor).toBe(168_000);
    expect(await svc.coverage.coveringContract(a, Date.UTC(2026, 1, 10))).toBe(c.id);
    expect(await svc.coverage.coveringContract(a, Date.UTC(2028, 1, 10))).toBeUndefined();
  });

  it('reports service P&L per contract and whole-life cost per asset', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a], {}, '2026-07-01', '2026-12-31'));
    await meter(a, '2026-07-01', '2026-07-31', 2);
    await svc.issue((await svc.invoiceContract(c.id, '2026-07')).invoiceId!);
    facts.addCost({ workOrderId: 'wo_P', assetId: a, at: Date.UTC(2026, 6, 3), partsCostMinor: 20_000, labourCostMinor: 15_000, travelCostMinor: 5_000, currency: 'EUR' });
    const rows = await svc.reports.pnl('contract', '2026-07-01', '2026-07-31');
    const row = rows.find((r) => r.key === c.id)!;
    // revenue 62 h x 50.00 = 310,000 ; cost 40,000 ; margin 270,000
    expect([row.revenue.totalMinor, row.cost.totalMinor, row.marginMinor]).toEqual([310_000, 40_000, 270_000]);
    const life = await svc.reports.wholeLifeCost(a, Date.UTC(2027, 0, 1));
    expect(life.totals).toEqual([{ currency: 'EUR', totalMinor: 40_000 }]);
  });
});
