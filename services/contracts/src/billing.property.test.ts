import { repositories, type Db, type Repositories } from '@hourmeter/db';
import { dbTargets } from '@hourmeter/db/testing';
import { AmendmentInput, ContractInput, type InvoiceView, type PbhTermsInput } from '@hourmeter/domain';
import { isAppError } from '@hourmeter/runtime';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticWorkOrderFacts } from './adapters/static.js';
import { halfEven } from './core/money.js';
import { versionOn } from './core/terms.js';
import { createContractsService, type ContractsService } from './service.js';

/**
 * Billing invariants on random sequences of usage, late readings, amendments,
 * downtime corrections, credit notes and invoice runs (some of them racing),
 * each sequence on a fresh two-asset PBH contract over January-May 2026:
 * - every invoice's total is the sum of its lines;
 * - an issued invoice never changes;
 * - invoice and credit-note numbers are gapless per series;
 * - once the periods are settled (each run and issued in turn), every metered
 *   millisecond is billed exactly once across invoices and adjustments;
 * - a period's availability credit (with its adjustments) never exceeds the
 *   cap of its charge, and credit notes never exceed what is left of an invoice.
 */
const logger = pino({ level: 'silent' });
const H = 3_600_000;
const NOW = Date.UTC(2026, 5, 10); // every period January-May has closed
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05'];
// Few distinct days (the first two of each month but the last), so readings often land on a day already billed.
const DAYS = fc.integer({ min: 0, max: (MONTHS.length - 1) * 2 - 1 });
const dayOf = (n: number) => `${MONTHS[Math.floor(n / 2)]}-0${(n % 2) + 1}`;
const M = fc.integer({ min: 0, max: MONTHS.length - 2 });

type Cmd =
  | { kind: 'meter'; asset: 0 | 1; day: number; tenths: number }
  | { kind: 'late'; pick: number; tenths: number }
  | { kind: 'downtime'; asset: 0 | 1; wo: number; day: number; hours: number }
  | { kind: 'amend'; month: number; rate: number; minimum: number; cap: number }
  | { kind: 'run'; month: number; racing: boolean }
  | { kind: 'issue'; month: number }
  | { kind: 'credit'; month: number; permille: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('meter' as const), asset: fc.constantFrom(0 as const, 1 as const), day: DAYS, tenths: fc.integer({ min: 0, max: 240 }) }) },
  // A late reading: a day metered before (often already invoiced) changes.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('late' as const), pick: fc.nat(), tenths: fc.integer({ min: 0, max: 240 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('downtime' as const), asset: fc.constantFrom(0 as const, 1 as const), wo: fc.integer({ min: 0, max: 3 }), day: DAYS, hours: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('amend' as const), month: fc.integer({ min: 1, max: MONTHS.length - 1 }), rate: fc.integer({ min: 1_000, max: 9_999 }), minimum: fc.integer({ min: 0, max: 400 }), cap: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('run' as const), month: M, racing: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('issue' as const), month: M }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('credit' as const), month: M, permille: fc.integer({ min: 1, max: 1_200 }) }) },
);

const terms = fc.record({
  rate: fc.integer({ min: 1_000, max: 9_999 }),
  escalation: fc.constantFrom(0, 2.5, 10),
  minimum: fc.integer({ min: 0, max: 400 }),
  guarantee: fc.constantFrom(95, 98, 99.5),
  perStep: fc.constantFrom(1, 2, 5),
  cap: fc.integer({ min: 5, max: 30 }),
});

describe.each(dbTargets())('billing properties on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let db: Db;
  let repos: Repositories;
  let cleanup: () => Promise<void>;
  let customerId: string;
  let siteId: string;
  let modelId: string;
  let serial = 0;

  beforeAll(async () => {
    ({ db, cleanup } = await target.open());
    repos = repositories(db);
    customerId = (await repos.customers.create({ name: 'Prop Co', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } })).id;
    siteId = (await repos.sites.create({ customerId, name: 'Plant', timezone: 'UTC' })).id;
    modelId = (await repos.assetModels.create({ code: 'PROP-1', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 1 })).id;
  });
  afterAll(async () => cleanup?.());

  const expectedErrors = new Set(['CONFLICT', 'VALIDATION_FAILED', 'ILLEGAL_TRANSITION']);
  async function tolerate<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (isAppError(err) && expectedErrors.has(err.code)) return undefined;
      throw err;
    }
  }

  async function gapless(series: 'invoice' | 'credit') {
    const rows =
      series === 'invoice'
        ? await db.kysely.selectFrom('invoices').select('number').where('number', 'is not', null).execute()
        : await db.kysely.selectFrom('credit_notes').select('number').execute();
    const seq = rows.map((r) => Number(r.number!.slice(-6))).sort((x, y) => x - y);
    expect(seq, `${series} numbers`).toEqual(seq.map((_, i) => i + 1));
  }

  it('holds the billing invariants on random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(terms, fc.array(cmd, { minLength: 6, maxLength: 16 }), async (t, cmds) => {
        const facts = staticWorkOrderFacts();
        const svc: ContractsService = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => NOW });
        const assets: string[] = [];
        for (let i = 0; i < 2; i++) {
          assets.push((await repos.assets.create({ serialNumber: `P-${target.name}-${++serial}`, assetModelId: modelId, siteId, commissionedOn: '2025-06-01', status: 'active' })).id);
        }
        const pbhTerms = (rate: number, minimum: number, cap: number) => ({
          kind: 'pbh' as const,
          ratePerHourMinor: rate,
          annualEscalationPercent: t.escalation,
          minimumHoursPerPeriod: minimum,
          availabilityGuaranteePercent: t.guarantee,
          creditSchedule: { stepPoints: 0.5, percentPerStep: t.perStep, capPercent: Math.max(cap, t.perStep) },
        });
        const contract = await svc.createContract(
          ContractInput.parse({ customerId, assetIds: assets, startsOn: '2025-09-15', endsOn: '2026-12-31', currency: 'EUR', terms: pbhTerms(t.rate, t.minimum, t.cap) }),
        );
        const issued = new Map<string, InvoiceView>();
        const downtime = new Set<string>();
        const invoiceOf = async (month: number) => (await svc.listInvoices({ contractId: contract.id, periodStart: `${MONTHS[month]}-01` })).items[0];
        const issue = async (inv: InvoiceView) => {
          const done = await tolerate(svc.issue(inv.id));
          if (done) issued.set(done.id, done);
        };

        const meteredDays: { asset: 0 | 1; day: number }[] = [];
        const record = (asset: 0 | 1, day: number, tenths: number) =>
          repos.operatingHours.record({ assetId: assets[asset]!, day: dayOf(day), operatingMs: (tenths * H) / 10, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
        for (const c of cmds) {
          if (c.kind === 'meter') {
            await record(c.asset, c.day, c.tenths);
            meteredDays.push({ asset: c.asset, day: c.day });
          } else if (c.kind === 'late') {
            const d = meteredDays[c.pick % Math.max(meteredDays.length, 1)];
            if (d) await record(d.asset, d.day, c.tenths);
          } else if (c.kind === 'downtime') {
            const wo = `wo_${contract.id}_${c.asset}_${c.wo}`;
            const from = Date.parse(`${dayOf(c.day)}T00:00:00Z`);
            const window = { from, to: from + c.hours * H };
            if (downtime.has(wo)) facts.correctDowntime(wo, window);
            else facts.addDowntime({ workOrderId: wo, assetId: assets[c.asset]!, cause: 'design', planned: false, ...window });
            downtime.add(wo);
          } else if (c.kind === 'amend') {
            await tolerate(svc.amend(contract.id, AmendmentInput.parse({ effectiveFrom: `${MONTHS[c.month]}-01`, terms: pbhTerms(c.rate, c.minimum, c.cap) })));
          } else if (c.kind === 'run') {
            const month = MONTHS[c.month]!;
            if (c.racing) await Promise.all([svc.runPeriod(month), svc.invoiceContract(contract.id, month), svc.invoiceContract(contract.id, month)]);
            else await svc.invoiceContract(contract.id, month);
          } else if (c.kind === 'issue') {
            // Issue the month's draft, invoicing it first when no run has yet.
            const inv = (await invoiceOf(c.month)) ?? (await svc.getInvoice((await svc.invoiceContract(contract.id, MONTHS[c.month]!)).invoiceId!));
            if (inv.status === 'draft') await issue(inv);
          } else {
            const inv = await invoiceOf(c.month);
            if (inv?.status === 'issued' && inv.totalMinor > 0) {
              const amount = Math.max(1, Math.floor((inv.totalMinor * c.permille) / 1_000));
              const left = inv.totalMinor - inv.creditedMinor;
              const note = await tolerate(svc.creditNote(inv.id, { amountMinor: amount, reason: 'property' }));
              // A credit note is refused exactly when it exceeds what is left.
              expect(note === undefined).toBe(amount > left);
            }
          }
        }

        // Settle: each period run and issued in turn, then May's draft carries what is left.
        for (let m = 0; m < MONTHS.length; m++) {
          const out = await svc.invoiceContract(contract.id, MONTHS[m]!);
          if (m < MONTHS.length - 1 && out.outcome !== 'already_issued') await issue(await svc.getInvoice(out.invoiceId!));
        }

        const all = (await svc.listInvoices({ contractId: contract.id }, 500)).items;
        for (const inv of all) {
          expect(inv.totalMinor, `total of ${inv.periodStart}`).toBe(inv.lines.reduce((s, l) => s + l.amountMinor, 0));
          expect(inv.creditedMinor).toBeLessThanOrEqual(Math.max(inv.totalMinor, 0));
        }
        // Credit notes (and payments) are the only things that move: what is credited, paid and open; the invoice itself never changes.
        const content = (inv: InvoiceView) => ({ ...inv, creditedMinor: 0, creditedGrossMinor: 0, paidMinor: 0, openMinor: 0, paymentStatus: null });
        for (const [id, snapshot] of issued) expect(content(await svc.getInvoice(id))).toEqual(content(snapshot));
        await gapless('invoice');
        await gapless('credit');

        // Every metered millisecond billed exactly once.
        const metered = await db.kysely.selectFrom('usage_records').select(['asset_id', 'day', 'operating_ms']).where('asset_id', 'in', assets).execute();
        const billed = await db.kysely
          .selectFrom('invoice_usage')
          .select(['asset_id', 'day', (eb) => eb.fn.sum<number>('billed_ms').as('ms')])
          .where('contract_id', '=', contract.id)
          .groupBy(['asset_id', 'day'])
          .execute();
        const billedMs = new Map(billed.map((b) => [`${b.asset_id}|${b.day}`, Number(b.ms)]));
        for (const u of metered) expect(billedMs.get(`${u.asset_id}|${u.day}`) ?? 0, `${u.asset_id} ${u.day}`).toBe(Number(u.operating_ms));
        const meteredKeys = new Set(metered.map((u) => `${u.asset_id}|${u.day}`));
        for (const [k, ms] of billedMs) if (!meteredKeys.has(k)) expect(ms, k).toBe(0);

        // Credits within the cap: per period, its credit lines and credit adjustments against its charge.
        const final = await svc.getContract(contract.id);
        for (const m of MONTHS.slice(0, -1)) {
          const start = `${m}-01`;
          let charge = 0;
          let credit = 0;
          for (const inv of all) {
            for (const l of inv.lines) {
              const part = l.kind === 'adjustment' ? (l.adjustsPeriod === start ? l.adjustsKind : undefined) : inv.periodStart === start ? l.kind : undefined;
              if (part === 'usage' || part === 'minimum_true_up') charge += l.amountMinor;
              if (part === 'availability_credit') credit += l.amountMinor;
            }
          }
          const end = all.find((i) => i.periodStart === start)!.periodEnd;
          const cap = (versionOn(final, end).terms as PbhTermsInput).creditSchedule.capPercent;
          expect(credit).toBeLessThanOrEqual(0);
          expect(BigInt(-credit), `credit of ${m}`).toBeLessThanOrEqual(halfEven(BigInt(charge) * BigInt(Math.round(cap * 100)), 10_000n));
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
