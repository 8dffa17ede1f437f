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
    // January recomputed: 311 h x 50.00 = 1,555,000, billed 1,550,000: one adjustment of +1 h = 5,000
    expect(await lines(feb.invoiceId!)).toEqual([
      ['usage', 1_400_000],
      ['adjustment', 5_000],
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

  it('recomputes a late-usage period under its minimum, escalation and credit cap, and bills the difference once', async () => {
    const a = await asset();
    const b = await asset();
    // Year 2 starts 16 January 2026 (rate 50.00 -> 55.00); minimum 700 h per month for the two assets.
    const c = await svc.createContract(pbh([a, b], { annualEscalationPercent: 10, minimumHoursPerPeriod: 700 }, '2025-01-16'));
    await meter(a, '2026-01-01', '2026-02-28', 10);
    await meter(b, '2026-01-01', '2026-02-28', 10);
    const t = (d: number, h: number) => Date.UTC(2026, 0, d, h);
    facts.addDowntime({ workOrderId: 'wo_L1', assetId: a, from: t(20, 0), to: t(20, 0) + 30 * H, cause: 'design', planned: false });
    const jan = await svc.issue((await svc.invoiceContract(c.id, '2026-01')).invoiceId!);
    // usage per asset: 15 d x 10 h x 50.00 = 750,000 + 16 d x 10 h x 55.00 = 880,000 -> 1,630,000 ; two assets 3,260,000
    // metered 620 h < 700 h: true-up 80 h x 55.00 = 440,000 ; charge 3,700,000
    // availability: 30 h of 1,488 h -> 97.984% -> 1 step x 2% = -74,000
    expect(jan.lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['usage', 750_000],
      ['usage', 880_000],
      ['usage', 750_000],
      ['usage', 880_000],
      ['minimum_true_up', 440_000],
      ['availability_credit', -74_000],
    ]);
    // Late data: a ran 20 h more on 25 January (year 2).
    await meter(a, '2026-01-25', '2026-01-25', 30);
    const feb = await svc.invoiceContract(c.id, '2026-02');
    const adj = (await svc.getInvoice(feb.invoiceId!)).lines.filter((l) => l.kind === 'adjustment');
    // January now: a 1,630,000 + 20 h x 55.00 = 1,740,000 ; metered 640 h: true-up 60 h x 55.00 = 330,000
    // charge 3,700,000 + 110,000 - 110,000 = 3,700,000: the credit is unchanged. Net difference 0.
    expect(adj.map((l) => [l.adjustsPeriod, l.adjustsKind, l.assetId, l.quantity, l.amountMinor])).toEqual([
      ['2026-01-01', 'usage', a, 20, 110_000],
      ['2026-01-01', 'minimum_true_up', null, 60, -110_000],
    ]);
    // More late data beyond the minimum: b ran 100 h more on 26 January.
    await meter(b, '2026-01-26', '2026-01-26', 110);
    const feb2 = await svc.invoiceContract(c.id, '2026-02');
    expect(feb2.invoiceId).toBe(feb.invoiceId);
    const adj2 = (await svc.getInvoice(feb.invoiceId!)).lines.filter((l) => l.kind === 'adjustment');
    // January now: usage 3,260,000 + 110,000 + 550,000 = 3,920,000 ; 740 h: no true-up (-440,000 billed back)
    // credit 2% of 3,920,000 = -78,400, billed -74,000: -4,400
    expect(adj2.map((l) => [l.adjustsKind, l.assetId, l.amountMinor])).toEqual([
      ['usage', a, 110_000],
      ['usage', b, 550_000],
      ['minimum_true_up', null, -440_000],
      ['availability_credit', null, -4_400],
    ]);
    const total = (await svc.getInvoice(feb.invoiceId!)).lines.reduce((s, l) => s + l.amountMinor, 0);
    expect((await svc.getInvoice(feb.invoiceId!)).totalMinor).toBe(total);
    // Issued, February settles January: March carries no January adjustment, and January's invoice is unchanged.
    const febIssued = await svc.issue(feb.invoiceId!);
    expect(febIssued.lines.filter((l) => l.kind === 'adjustment')).toHaveLength(4);
    await meter(a, '2026-03-01', '2026-03-31', 10);
    await meter(b, '2026-03-01', '2026-03-31', 10);
    const mar = await svc.invoiceContract(c.id, '2026-03');
    expect((await svc.getInvoice(mar.invoiceId!)).lines.filter((l) => l.kind === 'adjustment')).toEqual([]);
    expect(await svc.getInvoice(jan.id)).toEqual(jan);
  });

  it('validates downtime windows and turns a correction after issue into a credit adjustment on the next invoice', async () => {
    const a = await asset(); // commissioned 2024-01-01
    const c = await svc.createContract(pbh([a]));
    await meter(a, '2026-01-01', '2026-02-28', 10);
    const t = (d: number, h: number) => Date.UTC(2026, 0, d, h);
    facts.addDowntime({ workOrderId: 'wo_V1', assetId: a, from: t(5, 0), to: t(5, 20), cause: 'design', planned: false });
    facts.addDowntime({ workOrderId: 'wo_V2', assetId: a, from: t(5, 10), to: t(6, 0), cause: 'design', planned: false }); // overlaps: merged, +4 h
    facts.addDowntime({ workOrderId: 'wo_V3', assetId: a, from: Date.UTC(2021, 0, 1), to: t(3, 0), cause: 'design', planned: false }); // before commissioning
    facts.addDowntime({ workOrderId: 'wo_V4', assetId: a, from: t(30, 0), to: Date.UTC(2026, 11, 1), cause: 'design', planned: false }); // ends after NOW
    const avail = await svc.availability(c.id, '2026-01');
    expect(avail.events.map((e) => [e.workOrderId, e.reason, e.countedMs])).toEqual([
      ['wo_V3', 'outside_asset_life', 0],
      ['wo_V1', 'unplanned', 20 * H],
      ['wo_V2', 'unplanned', 4 * H],
      ['wo_V4', 'outside_asset_life', 0],
    ]);
    // 24 h of 744 h -> 96.774% -> 1.226 points below 98 -> 3 steps x 2% = 6% of 1,550,000 = -93,000
    const jan = await svc.issue((await svc.invoiceContract(c.id, '2026-01')).invoiceId!);
    expect(jan.lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['usage', 1_550_000],
      ['availability_credit', -93_000],
    ]);
    // The work order's window is corrected after January was issued: 5 January 00:00-08:00 and 5 January 06:00-10:00 -> 10 h.
    facts.correctDowntime('wo_V1', { from: t(5, 0), to: t(5, 8) });
    facts.correctDowntime('wo_V2', { from: t(5, 6), to: t(5, 10) });
    expect((await svc.availability(c.id, '2026-01')).downtimeMs).toBe(10 * H);
    // 734/744 = 98.656%: no credit any more -> +93,000 on February's invoice; January's invoice is unchanged.
    const feb = await svc.invoiceContract(c.id, '2026-02');
    expect(await lines(feb.invoiceId!)).toEqual([
      ['usage', 1_400_000],
      ['adjustment', 93_000],
    ]);
    expect((await svc.getInvoice(feb.invoiceId!)).lines[1]!.adjustsKind).toBe('availability_credit');
    expect(await svc.getInvoice(jan.id)).toEqual(jan);
  });

  it('covers only assets of the customer; an owner change ends the old coverage and work is billed to the owner at the time', async () => {
    const other = await repos.customers.create({
      name: 'Beta Mills',
      currency: 'EUR',
      value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 },
    });
    const otherSite = (await repos.sites.create({ customerId: other.id, name: 'Mill', timezone: 'UTC' })).id;
    const a = await asset();
    const tm = (cust: string, startsOn: string) =>
      ContractInput.parse({ customerId: cust, assetIds: [a], startsOn, endsOn: '2026-12-31', currency: 'EUR', terms: { kind: 'time_and_materials', labourRatePerHourMinor: 10_000, travelRatePerHourMinor: 0, partsMarkupPercent: 0 } });
    // Beta Mills does not own the asset: refused, nothing written.
    const err = await expectAppError(svc.createContract(tm(other.id, '2026-01-01')), 'VALIDATION_FAILED');
    expect(err.message).toContain(a);
    expect((await svc.listContracts({ assetId: a })).items).toHaveLength(0);

    const p = await svc.createContract(pbh([a]));
    const t1 = await svc.createContract(tm(customerId, '2026-01-01'));
    await meter(a, '2026-01-01', '2026-02-28', 10);
    await svc.issue((await svc.invoiceContract(p.id, '2026-01')).invoiceId!);
    const work = (id: string, day: number) => ({ workOrderId: id, assetId: a, completedAt: Date.UTC(2026, 1, day, 12), cause: 'customer_use', inWarranty: false, labourHours: 2, travelHours: 0, parts: [] });
    facts.addWork(work('wo_O1', 10));
    facts.addWork(work('wo_O2', 20));

    // Sold to Beta Mills from 15 February.
    await expectAppError(svc.changeOwner(a, { siteId: otherSite, effectiveOn: '2026-07-01' }), 'VALIDATION_FAILED'); // after NOW
    const moved = await svc.changeOwner(a, { siteId: otherSite, effectiveOn: '2026-02-15' });
    expect(moved.endedCoverage.map((e) => e.contractId).sort()).toEqual([p.id, t1.id].sort());
    expect(await svc.coverage.coveringContract(a, Date.UTC(2026, 1, 14))).toBe(p.id);
    expect(await svc.coverage.coveringContract(a, Date.UTC(2026, 1, 15))).toBeUndefined();
    await expectAppError(svc.changeOwner(a, { siteId: otherSite, effectiveOn: '2026-03-01' }), 'VALIDATION_FAILED'); // already Beta's

    // PBH February: 14 days x 10 h x 50.00 = 700,000 (not the 28 days metered)
    expect(await lines((await svc.invoiceContract(p.id, '2026-02')).invoiceId!)).toEqual([['usage', 700_000]]);
    // Acme's T&M bills the 10 February work only: 2 h x 100.00
    expect(await lines((await svc.invoiceContract(t1.id, '2026-02')).invoiceId!)).toEqual([['time_and_materials', 20_000]]);
    // Beta Mills can take a contract from the change on, not before; its T&M bills the 20 February work.
    await expectAppError(svc.createContract(tm(other.id, '2026-02-01')), 'VALIDATION_FAILED');
    const t2 = await svc.createContract(tm(other.id, '2026-02-15'));
    const betaFeb = await svc.invoiceContract(t2.id, '2026-02');
    expect((await svc.getInvoice(betaFeb.invoiceId!)).lines.map((l) => [l.workOrderId, l.amountMinor])).toEqual([['wo_O2', 20_000]]);
    expect((await svc.getInvoice(betaFeb.invoiceId!)).customerId).toBe(other.id);
    // Acme's contracts cannot take the asset back by an amendment.
    await expectAppError(svc.amend(t1.id, { effectiveFrom: '2026-03-01', reason: 'new rates' }), 'VALIDATION_FAILED');
  });

  it("follows the contract's clock: a Tokyo March is March in Tokyo, a Berlin March has 743 hours", async () => {
    const zoned = async (timezone: string) => {
      const site = (await repos.sites.create({ customerId, name: `Plant ${timezone}`, timezone })).id;
      return (await repos.assets.create({ serialNumber: `SN-${++serial}`, assetModelId: modelId, siteId: site, commissionedOn: '2024-01-01', status: 'active' })).id;
    };
    const tokyo = await zoned('Asia/Tokyo');
    const utc = await asset();
    const berlin = await zoned('Europe/Berlin');
    const ct = await svc.createContract(pbh([tokyo]));
    const cu = await svc.createContract(pbh([utc]));
    const cb = await svc.createContract(pbh([berlin]));
    for (const [a, wo] of [[tokyo, 'wo_TZ1'], [utc, 'wo_TZ2']] as const) {
      // 1 March 01:00-05:00 in Tokyo (28 Feb UTC) and 1 April 01:00-05:00 in Tokyo (31 March UTC).
      facts.addDowntime({ workOrderId: `${wo}a`, assetId: a, from: Date.UTC(2026, 1, 28, 16), to: Date.UTC(2026, 1, 28, 20), cause: 'design', planned: false });
      facts.addDowntime({ workOrderId: `${wo}b`, assetId: a, from: Date.UTC(2026, 2, 31, 16), to: Date.UTC(2026, 2, 31, 20), cause: 'design', planned: false });
    }
    const t = await svc.availability(ct.id, '2026-03');
    expect([t.timeZone, t.scheduledMs, t.downtimeMs]).toEqual(['Asia/Tokyo', 744 * H, 4 * H]);
    expect(t.events.filter((e) => e.counted).map((e) => e.workOrderId)).toEqual(['wo_TZ1a']);
    const u = await svc.availability(cu.id, '2026-03');
    expect([u.timeZone, u.downtimeMs]).toEqual(['UTC', 4 * H]);
    expect(u.events.filter((e) => e.counted).map((e) => e.workOrderId)).toEqual(['wo_TZ2b']);
    // Daylight saving: Berlin's March loses an hour (29 March has 23 h), its October gains one.
    expect((await svc.availability(cb.id, '2026-03')).scheduledMs).toBe(743 * H);
    expect((await svc.availability(cb.id, '2026-10')).scheduledMs).toBe(745 * H);
    // March closes at midnight after 31 March in Tokyo (15:00 UTC) + the 72 h grace.
    await meter(tokyo, '2026-03-01', '2026-03-31', 1);
    const inv = await svc.getInvoice((await svc.invoiceContract(ct.id, '2026-03')).invoiceId!);
    expect(inv.issuableAt).toBe(Date.UTC(2026, 2, 31, 15) + 72 * H);
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
    // The integration outbox (webhooks) got one invoice.issued per invoice: the losers' rolled back with them.
    const announced = (await repos.outbox.ofType('invoice.issued')).map((e) => (e.data as { invoice: { id: string; number: string } }).invoice);
    expect(announced.filter((i) => ids.includes(i.id)).map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(announced.filter((i) => ids.includes(i.id)).every((i) => /^2026-\d{6}$/.test(i.number))).toBe(true);

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
    const credited = (await repos.outbox.ofType('creditnote.issued')).map((e) => (e.data as { creditNote: { invoiceId: string; amountMinor: number } }).creditNote);
    expect(credited.filter((n) => n.invoiceId === inv).map((n) => n.amountMinor)).toEqual([100_000, 55_000]);
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

  it('marks drafts of open periods provisional and issues them only after the grace, or forced with a recorded reason, never using up a number', async () => {
    const counter = async () =>
      Number((await db.kysely.selectFrom('document_counters').select('last_value').where('series', '=', 'invoice').where('year', '=', 2026).executeTakeFirst())?.last_value ?? 0);
    const a = await asset();
    const c = await svc.createContract(pbh([a], {}, '2026-05-01', '2026-12-31'));
    await meter(a, '2026-05-01', '2026-06-15', 4);
    // NOW is 15 June 12:00: June is running.
    const june = await svc.invoiceContract(c.id, '2026-06');
    const draft = await svc.getInvoice(june.invoiceId!);
    const closes = Date.UTC(2026, 6, 1) + 72 * H; // 1 July 00:00 + the default 72 h grace
    expect([draft.provisional, draft.issuableAt]).toEqual([true, closes]);
    expect((await svc.listInvoices({ contractId: c.id })).items.map((i) => i.provisional)).toEqual([true]);
    const before = await counter();
    const err = await expectAppError(svc.issue(june.invoiceId!), 'PERIOD_NOT_CLOSED');
    expect(err.message).toMatch(/2026-06-30/);
    expect(await counter()).toBe(before);
    expect((await svc.getInvoice(june.invoiceId!)).status).toBe('draft');

    // May ended, but within its grace (2 days after, grace 72 h) it is still provisional; after it, it issues.
    const at = (ms: number) => createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => ms, graceMs: 72 * H });
    const mayEnd = Date.UTC(2026, 5, 1);
    const may = await at(mayEnd + 48 * H).invoiceContract(c.id, '2026-05');
    expect((await at(mayEnd + 48 * H).getInvoice(may.invoiceId!)).provisional).toBe(true);
    await expectAppError(at(mayEnd + 72 * H - 1).issue(may.invoiceId!), 'PERIOD_NOT_CLOSED');
    expect(await counter()).toBe(before);
    const mayIssued = await at(mayEnd + 72 * H).issue(may.invoiceId!);
    expect([mayIssued.status, mayIssued.provisional, mayIssued.issueForcedReason]).toEqual(['issued', false, null]);
    expect(await counter()).toBe(before + 1);
    expect(mayIssued.number).toBe(`2026-${String(before + 1).padStart(6, '0')}`);

    // Forced: issued now with the reason and who forced it on the invoice; the next number follows without a gap.
    const forced = await svc.issue(june.invoiceId!, { reason: 'customer closes its books early', by: 'key_admin' });
    expect([forced.status, forced.number, forced.issueForcedReason, forced.issueForcedBy]).toEqual([
      'issued',
      `2026-${String(before + 2).padStart(6, '0')}`,
      'customer closes its books early',
      'key_admin',
    ]);
  });

  it('allocates contract-level lines and credit notes across the assets by metered hours in the P&L', async () => {
    const a = await asset();
    const otherModel = await repos.assetModels.create({ code: `PUMP-2-${target.name}`, name: 'Big pump', runningRule: { kind: 'threshold', metric: 'rpm', above: 100 }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 72 });
    const b = (await repos.assets.create({ serialNumber: `SN-${++serial}`, assetModelId: otherModel.id, siteId, commissionedOn: '2024-01-01', status: 'active' })).id;
    const c = await svc.createContract(pbh([a, b], { minimumHoursPerPeriod: 100 }, '2026-04-01', '2026-12-31'));
    await meter(a, '2026-04-01', '2026-04-30', 1); // 30 h
    await meter(b, '2026-04-01', '2026-04-10', 1); // 10 h
    facts.addDowntime({ workOrderId: 'wo_Q', assetId: b, from: Date.UTC(2026, 3, 20), to: Date.UTC(2026, 3, 20) + 30 * H, cause: 'design', planned: false });
    const inv = await svc.issue((await svc.invoiceContract(c.id, '2026-04')).invoiceId!);
    // usage a 150,000, b 50,000 ; true-up 60 h x 50.00 = 300,000 ; charge 500,000
    // availability 30 h of 1,440 h -> 97.917% -> 1 step x 2% = -10,000
    expect(inv.lines.map((l) => [l.kind, l.assetId, l.amountMinor])).toEqual([
      ['usage', a, 150_000],
      ['usage', b, 50_000],
      ['minimum_true_up', null, 300_000],
      ['availability_credit', null, -10_000],
    ]);
    await svc.creditNote(inv.id, { amountMinor: 40_000, reason: 'goodwill' });
    const byAsset = new Map((await svc.reports.pnl('asset', '2026-04-01', '2026-04-30')).map((r) => [r.key, r.revenue]));
    // 30:10 -> true-up 225,000 / 75,000 ; credit -7,500 / -2,500 ; credit note -30,000 / -10,000
    expect([byAsset.get(a)!.pbhMinor, byAsset.get(a)!.creditNotesMinor]).toEqual([150_000 + 225_000 - 7_500, -30_000]);
    expect([byAsset.get(b)!.pbhMinor, byAsset.get(b)!.creditNotesMinor]).toEqual([50_000 + 75_000 - 2_500, -10_000]);
    const byModel = new Map((await svc.reports.pnl('assetModel', '2026-04-01', '2026-04-30')).map((r) => [r.key, r.revenue.totalMinor]));
    expect(byModel.get(otherModel.id)).toBe(50_000 + 75_000 - 2_500 - 10_000);
    // Per contract the whole invoice stays together.
    const byContract = (await svc.reports.pnl('contract', '2026-04-01', '2026-04-30')).find((r) => r.key === c.id)!;
    expect(byContract.revenue.totalMinor).toBe(490_000 - 40_000);
  });

  it('reports service P&L per contract and whole-life cost per asset', async () => {
    const a = await asset();
    const c = await svc.createContract(pbh([a], {}, '2026-03-01', '2026-12-31'));
    await meter(a, '2026-03-01', '2026-03-31', 2);
    await svc.issue((await svc.invoiceContract(c.id, '2026-03')).invoiceId!);
    facts.addCost({ workOrderId: 'wo_P', assetId: a, at: Date.UTC(2026, 2, 3), partsCostMinor: 20_000, labourCostMinor: 15_000, travelCostMinor: 5_000, currency: 'EUR' });
    const rows = await svc.reports.pnl('contract', '2026-03-01', '2026-03-31');
    const row = rows.find((r) => r.key === c.id)!;
    // revenue 62 h x 50.00 = 310,000 ; cost 40,000 ; margin 270,000
    expect([row.revenue.totalMinor, row.cost.totalMinor, row.marginMinor]).toEqual([310_000, 40_000, 270_000]);
    const life = await svc.reports.wholeLifeCost(a, Date.UTC(2027, 0, 1));
    expect(life.totals).toEqual([{ currency: 'EUR', totalMinor: 40_000 }]);
  });
});
