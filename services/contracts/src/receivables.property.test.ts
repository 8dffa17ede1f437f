import { repositories, type Db, type Receivable, type Repositories } from '@hourmeter/db';
import { dbTargets } from '@hourmeter/db/testing';
import { AGEING_BUCKETS, ContractInput, CustomerInput } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageReceivables } from './ageing.js';
import { staticWorkOrderFacts } from './adapters/static.js';
import { createContractsService, type ContractsService } from './service.js';
import { creditNoteTax, lineTax, withTax } from './tax.js';

/**
 * Invariants of tax, payments and ageing (issue 16), on random inputs:
 * - invoice total = sum of lines + sum of the lines' tax, each line's tax the
 *   half-even rounding of amount x rate;
 * - credit notes never credit more tax than the invoice charged, and crediting
 *   everything leaves nothing open;
 * - payments, in any order and size, never make the open amount negative, and
 *   a refused payment writes nothing;
 * - ageing buckets add up to the open receivables.
 */

const amount = fc.integer({ min: -50_000_000, max: 50_000_000 });
const rate = fc.integer({ min: 0, max: 10_000 });

describe('tax (property)', () => {
  it('taxes each line once, half-even, and the invoice total is the sum of lines plus their tax', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ amountMinor: amount }), { maxLength: 40 }), rate, (raw, bp) => {
        const lines = raw.map((l, i) => ({ kind: 'usage' as const, description: `l${i}`, assetId: null, workOrderId: null, fromDay: null, toDay: null, quantity: 1, unitPriceMinor: l.amountMinor, ...l }));
        const taxed = withTax(lines, bp);
        for (const l of taxed) {
          // |tax x 10,000 - amount x rate| is at most half a minor unit (5,000 / 10,000).
          const error = BigInt(l.taxMinor) * 10_000n - BigInt(l.amountMinor) * BigInt(bp);
          expect(error <= 5_000n && error >= -5_000n).toBe(true);
          if (error === 5_000n || error === -5_000n) expect(Math.abs(l.taxMinor % 2)).toBe(0); // ties go to even
        }
        const net = taxed.reduce((s, l) => s + l.amountMinor, 0);
        const tax = taxed.reduce((s, l) => s + l.taxMinor, 0);
        expect(net + tax).toBe(lines.reduce((s, l) => s + l.amountMinor + lineTax(l.amountMinor, bp), 0));
      }),
      { numRuns: 500 },
    );
  });

  it('credits at most the invoice’s tax, and all of it when the whole net amount is credited', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 20 }), rate, fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }), (amounts, bp, shares) => {
        const net = amounts.reduce((s, a) => s + a, 0);
        const tax = amounts.reduce((s, a) => s + lineTax(a, bp), 0);
        let netLeft = net;
        let taxLeft = tax;
        const total = shares.reduce((s, x) => s + x, 0);
        shares.forEach((share, i) => {
          const last = i === shares.length - 1;
          const credit = last ? netLeft : Math.min(netLeft, Math.floor((net * share) / total));
          if (credit <= 0) return;
          const t = creditNoteTax({ amountMinor: credit, rateBasisPoints: bp, remainingNetMinor: netLeft, remainingTaxMinor: taxLeft });
          expect(t).toBeGreaterThanOrEqual(0);
          expect(t).toBeLessThanOrEqual(taxLeft);
          netLeft -= credit;
          taxLeft -= t;
        });
        expect([netLeft, taxLeft]).toEqual([0, 0]);
      }),
      { numRuns: 300 },
    );
  });
});

const day = fc.integer({ min: 0, max: 400 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));

describe('ageing (property)', () => {
  it('buckets add up, per customer and currency, to the open receivables', () => {
    const receivable = fc.record({
      invoiceId: fc.uuid(),
      number: fc.string({ maxLength: 8 }),
      customerId: fc.constantFrom('cus_a', 'cus_b', 'cus_c'),
      customerName: fc.constantFrom('A', 'B', 'C'),
      currency: fc.constantFrom('EUR', 'USD'),
      issuedOn: day,
      dueDate: day,
      openMinor: fc.integer({ min: 1, max: 10_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(receivable, { maxLength: 60 }), day, (open: Receivable[], asOf) => {
        const report = ageReceivables(open, asOf);
        for (const r of report.rows) expect(AGEING_BUCKETS.reduce((s, b) => s + r.buckets[b], 0)).toBe(r.totalMinor);
        for (const currency of ['EUR', 'USD']) {
          const inCurrency = open.filter((o) => o.currency === currency).reduce((s, o) => s + o.openMinor, 0);
          const t = report.totals.find((x) => x.currency === currency);
          expect(t?.totalMinor ?? 0).toBe(inCurrency);
          expect(AGEING_BUCKETS.reduce((s, b) => s + (t?.buckets[b] ?? 0), 0)).toBe(inCurrency);
          expect(report.rows.filter((r) => r.currency === currency).reduce((s, r) => s + r.totalMinor, 0)).toBe(inCurrency);
        }
        for (const i of report.invoices) expect(i.bucket === 'current').toBe(i.dueDate >= asOf);
      }),
      { numRuns: 300 },
    );
  });
});

describe.each(dbTargets())('payments (property) on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let db: Db;
  let repos: Repositories;
  let svc: ContractsService;
  let cleanup: () => Promise<void>;
  let customerId: string;
  let siteId: string;
  let modelId: string;
  let serial = 0;
  // 10 February: January has closed, also after a grace for late data.
  const clock = Date.UTC(2026, 1, 10, 9);

  beforeAll(async () => {
    ({ db, cleanup } = await target.open());
    repos = repositories(db);
    const facts = staticWorkOrderFacts();
    svc = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger: pino({ level: 'silent' }), now: () => clock, graceMs: 0 }); // issuing waits for no late data here
    customerId = (
      await repos.customers.create(
        CustomerInput.parse({
          name: 'Prop',
          currency: 'EUR',
          billing: { legalName: 'Prop SA', address: { line1: 'Rue 1', postalCode: '75001', city: 'Paris', country: 'FR' }, taxTreatment: { kind: 'vat' }, paymentTermsDays: 30 },
        }),
      )
    ).id;
    siteId = (await repos.sites.create({ customerId, name: 'S', timezone: 'UTC' })).id;
    modelId = (await repos.assetModels.create({ code: 'PROP-1', name: 'M', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 1 })).id;
  });
  afterAll(async () => cleanup?.());

  /** A new issued invoice for January of `ms` operating time per day at `rate`/h (20 % VAT). */
  async function issuedInvoice(ms: number, rate: number) {
    const assetId = (await repos.assets.create({ serialNumber: `PR-${++serial}`, assetModelId: modelId, siteId, commissionedOn: '2025-01-01', status: 'active' })).id;
    for (let d = 1; d <= 31; d++) {
      await repos.operatingHours.record({ assetId, day: `2026-01-${String(d).padStart(2, '0')}`, operatingMs: ms, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    }
    const contract = await svc.createContract(
      ContractInput.parse({ customerId, assetIds: [assetId], startsOn: '2026-01-01', endsOn: '2026-12-31', currency: 'EUR', terms: { kind: 'pbh', ratePerHourMinor: rate, availabilityGuaranteePercent: 50, creditSchedule: { percentPerStep: 1, capPercent: 5 } } }),
    );
    const out = await svc.invoiceContract(contract.id, '2026-01');
    return svc.issue(out.invoiceId!);
  }

  it('never takes the open amount below zero; what is accepted plus what is open is the gross; refusals write nothing', async () => {
    const attempt = fc.record({ amountMinor: fc.integer({ min: 1, max: 400_000 }), excessAsCredit: fc.boolean(), credit: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 24 * 3_600_000 }), fc.integer({ min: 1, max: 20_000 }), fc.array(attempt, { minLength: 1, maxLength: 8 }), async (ms, rate, attempts) => {
        const inv = await issuedInvoice(ms, rate);
        expect(inv.grossMinor).toBe(inv.lines.reduce((s, l) => s + l.amountMinor + l.taxMinor, 0));
        let applied = 0;
        let credited = 0;
        for (const a of attempts) {
          const before = await svc.getInvoice(inv.id);
          if (a.credit && before.totalMinor - before.creditedMinor > 0) {
            const note = await svc.creditNote(inv.id, { amountMinor: Math.min(a.amountMinor, before.totalMinor - before.creditedMinor), reason: 'property' });
            credited += note.amountMinor + note.taxMinor;
          } else {
            const res = await svc.recordPayment(inv.id, { amountMinor: a.amountMinor, currency: 'EUR', receivedOn: '2026-02-10', excessAsCredit: a.excessAsCredit }).then(
              (p) => p,
              (e: unknown) => e,
            );
            if (res instanceof AppError) {
              expect([res.code, a.amountMinor > before.openMinor, a.excessAsCredit]).toEqual(['CONFLICT', true, false]);
              expect((await svc.getInvoice(inv.id)).paidMinor).toBe(before.paidMinor);
            } else {
              const p = res as { appliedMinor: number; creditMinor: number };
              expect(p.appliedMinor + p.creditMinor).toBe(a.amountMinor);
              applied += p.appliedMinor;
            }
          }
          const now = await svc.getInvoice(inv.id);
          expect(now.openMinor).toBeGreaterThanOrEqual(0);
          // A credit note after payments leaves a refund due instead of a negative open amount.
          expect(now.paidMinor + now.creditedGrossMinor + now.openMinor - now.refundDueMinor).toBe(now.grossMinor);
          expect(now.openMinor === 0 || now.refundDueMinor === 0).toBe(true);
          expect([now.paidMinor, now.creditedGrossMinor]).toEqual([applied, credited]);
          expect(now.paymentStatus).toBe(now.openMinor === 0 ? 'paid' : now.paidMinor > 0 ? 'partly_paid' : 'unpaid');
        }
      }),
      { numRuns: 8 },
    );
    // Every invoice of this suite is in the ageing report with exactly its open amount.
    const listed = await svc.listInvoices({ customerId }, 500);
    const report = await svc.ageing('2026-02-10');
    const open = listed.items.reduce((s, i) => s + i.openMinor, 0);
    expect(report.totals.find((t) => t.currency === 'EUR')?.totalMinor ?? 0).toBe(open);
  }, 120_000);
});
