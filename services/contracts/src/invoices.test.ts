import { repositories, type Db, type Repositories } from '@hourmeter/db';
import { dbTargets, expectAppError } from '@hourmeter/db/testing';
import { ContractInput, CustomerInput, type CustomerBilling } from '@hourmeter/domain';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticWorkOrderFacts } from './adapters/static.js';
import { creditNotePdf, invoicePdf } from './pdf.js';
import { invoiceCsv, invoiceHtml } from './render.js';
import { pdfText, pdfTextUnavailable } from './testing/pdf-text.js';
import { createContractsService, type ContractsService } from './service.js';

const logger = pino({ level: 'silent' });
const H = 3_600_000;

/** The clock of the service under test: tests move it to issue, pay and age invoices on chosen days. */
let clock = Date.UTC(2026, 1, 3, 9);

const BERLIN: CustomerBilling = {
  legalName: 'Acme Foods GmbH',
  address: { line1: 'Hafenstraße 7', postalCode: '20457', city: 'Hamburg', country: 'DE' },
  taxId: 'DE123456789',
  taxTreatment: { kind: 'vat' },
  paymentTermsDays: 14,
};

describe.each(dbTargets())('invoices a customer can receive on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let db: Db;
  let repos: Repositories;
  let svc: ContractsService;
  let cleanup: () => Promise<void>;
  let siteOf: (customerId: string) => Promise<string>;
  let modelId: string;
  let serial = 0;
  /** The work-order facts the service reads (completed work for T&M billing). */
  let work: ReturnType<typeof staticWorkOrderFacts>;

  beforeAll(async () => {
    ({ db, cleanup } = await target.open());
    repos = repositories(db);
    const facts = staticWorkOrderFacts();
    svc = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => clock, graceMs: 0 }); // issuing waits for no late data here
    modelId = (
      await repos.assetModels.create({ code: 'PUMP-7', name: 'Pump P7', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 72 })
    ).id;
    siteOf = async (customerId) => (await repos.sites.create({ customerId, name: 'Plant', timezone: 'UTC' })).id;
    work = facts;
  });
  afterAll(async () => cleanup?.());

  async function customer(name: string, billing?: CustomerBilling) {
    return repos.customers.create(CustomerInput.parse({ name, currency: 'EUR', ...(billing ? { billing } : {}) }));
  }

  /** A PBH customer with one asset metered `hoursPerDay` every day of January 2026 at `rate` per hour. */
  async function januaryInvoice(customerId: string, hoursPerDay: number, rate: number) {
    const assetId = (await repos.assets.create({ serialNumber: `P7-${++serial}`, assetModelId: modelId, siteId: await siteOf(customerId), commissionedOn: '2025-01-01', status: 'active' })).id;
    for (let d = 1; d <= 31; d++) {
      const day = `2026-01-${String(d).padStart(2, '0')}`;
      await repos.operatingHours.record({ assetId, day, operatingMs: hoursPerDay * H, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    }
    const contract = await svc.createContract(
      ContractInput.parse({
        customerId,
        assetIds: [assetId],
        startsOn: '2026-01-01',
        endsOn: '2026-12-31',
        currency: 'EUR',
        terms: { kind: 'pbh', ratePerHourMinor: rate, availabilityGuaranteePercent: 90, creditSchedule: { percentPerStep: 1, capPercent: 5 }, minimumHoursPerPeriod: 0 },
      }),
    );
    const out = await svc.invoiceContract(contract.id, '2026-01');
    return { assetId, contract, invoiceId: out.invoiceId! };
  }

  const dayOfClock = () => new Date(clock).toISOString().slice(0, 10);

  /** A January invoice of a new 1 h/day contract at 10.00/h on a new asset of the customer. */
  const januaryInvoiceOfNewContract = (customerId: string) => januaryInvoice(customerId, 1, 1_000);

  it('taxes every line at the billing country’s VAT rate, rounded once per line, and dates the invoice from the payment terms', async () => {
    const c = await customer('Acme', BERLIN);
    // 31 days x 1.5 h = 46.5 h x 33.33 = 1,549.845 -> 1,549.84 (half-even); 19 % of 154,984 = 29,446.96 -> 29,447
    const { invoiceId, assetId, contract } = await januaryInvoice(c.id, 1.5, 3_333);
    const draft = await svc.getInvoice(invoiceId);
    expect(draft.lines.map((l) => [l.amountMinor, l.taxRateBasisPoints, l.taxMinor])).toEqual([[154_984, 1900, 29_447]]);
    expect([draft.totalMinor, draft.taxMinor, draft.grossMinor]).toEqual([154_984, 29_447, 184_431]);
    expect([draft.dueDate, draft.paymentStatus]).toEqual([null, null]);

    clock = Date.UTC(2026, 1, 3, 9);
    const issued = await svc.issue(invoiceId);
    // issued 3 February + 14 days net
    expect([issued.dueDate, issued.paymentStatus, issued.openMinor]).toEqual(['2026-02-17', 'unpaid', 184_431]);
    expect(issued.billTo).toMatchObject({ legalName: 'Acme Foods GmbH', taxId: 'DE123456789', taxNote: 'VAT 19% (standard rate, DE)' });
    expect(issued.names[assetId]).toBe(`Pump P7 P7-${serial}`);
    expect(issued.names[contract.id]).toBe('Power-by-the-hour contract 2026-01-01 to 2026-12-31');

    // The addressee is frozen at issue: renaming the customer later does not rewrite the invoice.
    await repos.customers.update(c.id, { billing: { ...BERLIN, legalName: 'Acme Holding AG' } });
    const again = await svc.getInvoice(invoiceId);
    expect(again.billTo.legalName).toBe('Acme Foods GmbH');

    // Names, not ids, in the renderings.
    const html = invoiceHtml(again, await svc.creditNotes(invoiceId));
    const csv = invoiceCsv(again);
    for (const text of [html, csv]) {
      expect(text).toContain('Acme Foods GmbH');
      expect(text).toContain(`Pump P7 P7-${serial}`);
      expect(text).not.toContain(assetId);
      expect(text).not.toContain(c.id);
    }
    expect(html).toContain('1,844.31');
    expect(html).toContain('Due date: 2026-02-17');
    expect(csv.split('\r\n')[1]).toContain(',154984,1900,29447,EUR');
  });

  it('charges no VAT under reverse charge or exemption and says why', async () => {
    const rc = await customer('Nordic', { ...BERLIN, legalName: 'Nordic Cold AB', address: { ...BERLIN.address, country: 'SE' }, taxId: 'SE556677889901', taxTreatment: { kind: 'reverse_charge' } });
    const ex = await customer('Charity', { ...BERLIN, legalName: 'Tafel e.V.', taxTreatment: { kind: 'exempt', reason: '§ 4 Nr. 18 UStG' } });
    for (const [c, note] of [
      [rc, /Reverse charge/],
      [ex, /Exempt from VAT: § 4 Nr. 18 UStG/],
    ] as const) {
      const { invoiceId } = await januaryInvoice(c.id, 2, 1_000);
      const inv = await svc.issue(invoiceId);
      expect([inv.taxMinor, inv.grossMinor, inv.totalMinor]).toEqual([0, 62_000, 62_000]);
      expect(inv.billTo.taxNote).toMatch(note);
    }
  });

  it('uses an explicit rate, and refuses a treatment it cannot apply', () => {
    expect(CustomerInput.safeParse({ name: 'X', currency: 'EUR', billing: { ...BERLIN, taxTreatment: { kind: 'reverse_charge' }, taxId: undefined } }).error?.issues[0]).toMatchObject({
      path: ['billing', 'taxId'],
    });
    const unknown = CustomerInput.safeParse({ name: 'X', currency: 'EUR', billing: { ...BERLIN, address: { ...BERLIN.address, country: 'US' } } });
    expect(unknown.error?.issues[0]?.message).toMatch(/no standard VAT rate is known for country US: give taxTreatment.ratePercent/);
    expect(CustomerInput.safeParse({ name: 'X', currency: 'EUR', billing: { ...BERLIN, address: { ...BERLIN.address, country: 'US' }, taxTreatment: { kind: 'vat', ratePercent: 7.25 } } }).success).toBe(true);
    expect(CustomerInput.safeParse({ name: 'X', currency: 'EUR', billing: { ...BERLIN, paymentTermsDays: -1 } }).success).toBe(false);
  });

  it('re-taxes at issue when the treatment changed after the draft, and credits tax with the net', async () => {
    const c = await customer('Later', { ...BERLIN, legalName: 'Later GmbH' });
    const { invoiceId } = await januaryInvoice(c.id, 1, 999); // 31 h x 9.99 = 30,969 ; 19 % = 5,884.11 -> 5,884
    expect((await svc.getInvoice(invoiceId)).taxMinor).toBe(5_884);
    await repos.customers.update(c.id, { billing: { ...BERLIN, legalName: 'Later GmbH', taxTreatment: { kind: 'vat', ratePercent: 7 } } });
    const issued = await svc.issue(invoiceId);
    // 7 % of 30,969 = 2,167.83 -> 2,168
    expect([issued.taxMinor, issued.grossMinor]).toEqual([2_168, 33_137]);
    const note = await svc.creditNote(invoiceId, { amountMinor: 10_000, reason: 'goodwill' });
    expect(note.taxMinor).toBe(700);
    const rest = await svc.creditNote(invoiceId, { amountMinor: 20_969, reason: 'rest' });
    // The last note takes the remaining tax, so nothing stays open from rounding.
    expect(rest.taxMinor).toBe(2_168 - 700);
    const after = await svc.getInvoice(invoiceId);
    expect([after.creditedGrossMinor, after.openMinor, after.paymentStatus]).toEqual([33_137, 0, 'paid']);
    await expectAppError(svc.creditNote(invoiceId, { amountMinor: 1, reason: 'more' }), 'CONFLICT');
  });

  it.skipIf(pdfTextUnavailable())('renders the invoice and its credit note as PDF with the legal name, names, tax and totals', async () => {
    const c = await customer('Pdf', { ...BERLIN, legalName: 'Kühlhaus Nord GmbH' });
    // 31 x 2 h = 62 h x 123.45 = 7,653.90 ; 19 % = 1,454.241 -> 1,454.24 ; gross 9,108.14
    const { invoiceId, assetId } = await januaryInvoice(c.id, 2, 12_345);
    clock = Date.UTC(2026, 1, 10, 9);
    await svc.issue(invoiceId);
    const note = await svc.creditNote(invoiceId, { amountMinor: 10_000, reason: 'late visit' }); // 100.00 + 19.00 tax
    const inv = await svc.getInvoice(invoiceId);
    const text = pdfText(await invoicePdf(inv, [note]));
    expect(text).toContain(`Invoice ${inv.number}`);
    expect(text).toContain('Kühlhaus Nord GmbH');
    expect(text).toContain('Hafenstraße 7');
    expect(text).toContain('Tax id: DE123456789');
    expect(text).toContain(`Pump P7 P7-${serial}`);
    expect(text).not.toContain(assetId);
    expect(text).toMatch(/Net total EUR\s+7,653\.90/);
    expect(text).toMatch(/Tax 19% on 7,653\.90 EUR\s+1,454\.24/);
    expect(text).toMatch(/Total EUR\s+9,108\.14/);
    expect(text).toMatch(/-119\.00/);
    expect(text).toMatch(/Open EUR\s+8,989\.14/);
    expect(text).toContain('Due date: 2026-02-24');
    expect(text).toContain('VAT 19% (standard rate, DE)');
    const cn = pdfText(await creditNotePdf(note, inv));
    expect(cn).toContain(`Credit note ${note.number}`);
    expect(cn).toContain('Kühlhaus Nord GmbH');
    expect(cn).toMatch(/Total credited EUR\s+119\.00/);
    expect(cn).toContain(`Corrects invoice ${inv.number}`);
  });

  it('records payments in full or in part, refuses overpayment and other currencies, and tracks paid / partly paid / overdue', async () => {
    const c = await customer('Payer', { ...BERLIN, legalName: 'Payer GmbH', paymentTermsDays: 10 });
    const { invoiceId } = await januaryInvoice(c.id, 1, 1_000); // 31,000 + 19 % 5,890 = 36,890
    await expectAppError(svc.recordPayment(invoiceId, { amountMinor: 100, currency: 'EUR', receivedOn: '2026-02-05', excessAsCredit: false }), 'ILLEGAL_TRANSITION');
    clock = Date.UTC(2026, 1, 1, 9);
    const inv = await svc.issue(invoiceId); // due 2026-02-11
    expect([inv.grossMinor, inv.dueDate]).toEqual([36_890, '2026-02-11']);

    const usd = await expectAppError(svc.recordPayment(invoiceId, { amountMinor: 100, currency: 'USD', receivedOn: '2026-02-05', excessAsCredit: false }), 'VALIDATION_FAILED');
    expect(usd.message).toMatch(/invoice .* is in EUR, the payment is in USD/);
    await expectAppError(svc.recordPayment(invoiceId, { amountMinor: 100, currency: 'EUR', receivedOn: '2026-01-31', excessAsCredit: false }), 'VALIDATION_FAILED');

    clock = Date.UTC(2026, 1, 5, 9);
    await svc.recordPayment(invoiceId, { amountMinor: 20_000, currency: 'EUR', receivedOn: '2026-02-05', reference: 'SEPA 1', excessAsCredit: false });
    let now = await svc.getInvoice(invoiceId);
    expect([now.paidMinor, now.openMinor, now.paymentStatus]).toEqual([20_000, 16_890, 'partly_paid']);

    const over = await expectAppError(svc.recordPayment(invoiceId, { amountMinor: 16_891, currency: 'EUR', receivedOn: '2026-02-06', excessAsCredit: false }), 'CONFLICT');
    expect(over.message).toMatch(/payment of 168\.91 EUR exceeds the open 168\.90 EUR of invoice .* \(16891 > 16890 minor units\).* set excessAsCredit to keep 0\.01/);
    expect((await svc.getInvoice(invoiceId)).paidMinor).toBe(20_000); // nothing written

    clock = Date.UTC(2026, 1, 12, 9); // past the due date with 16,890 open
    expect((await svc.getInvoice(invoiceId)).paymentStatus).toBe('overdue');
    const last = await svc.recordPayment(invoiceId, { amountMinor: 17_000, currency: 'EUR', receivedOn: '2026-02-12', excessAsCredit: true });
    expect([last.appliedMinor, last.creditMinor]).toEqual([16_890, 110]);
    now = await svc.getInvoice(invoiceId);
    expect([now.paidMinor, now.openMinor, now.paymentStatus]).toEqual([36_890, 0, 'paid']);
    expect((await svc.payments(invoiceId)).map((p) => p.appliedMinor)).toEqual([20_000, 16_890]);

    // Paid 20,000 of 36,890 by the due date: the value index's on-time payment input is computed from that.
    expect((await repos.customers.get(c.id)).value.onTimePaymentRate).toBe(Math.round((20_000 / 36_890) * 10_000) / 10_000);
  });

  it('never lets concurrent payments take the open amount below zero', async () => {
    const c = await customer('Racer', { ...BERLIN, legalName: 'Racer GmbH' });
    const { invoiceId } = await januaryInvoice(c.id, 1, 1_000);
    const inv = await svc.issue(invoiceId);
    const pay = () => svc.recordPayment(invoiceId, { amountMinor: 20_000, currency: 'EUR', receivedOn: dayOfClock(), excessAsCredit: false });
    const results = await Promise.allSettled([pay(), pay(), pay()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const after = await svc.getInvoice(invoiceId);
    expect([after.paidMinor, after.openMinor]).toEqual([20_000, inv.grossMinor - 20_000]);
  });

  it('ages open receivables into current, 1-30, 31-60, 61-90 and 90+ per customer, as of a day', async () => {
    const c = await customer('Ageing', { ...BERLIN, legalName: 'Ageing AG', paymentTermsDays: 0 });
    const due: string[] = [];
    for (const issueDay of [Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 20), Date.UTC(2026, 3, 30)]) {
      const { invoiceId } = await januaryInvoiceOfNewContract(c.id);
      clock = issueDay;
      due.push((await svc.issue(invoiceId)).dueDate!);
    }
    clock = Date.UTC(2026, 4, 5);
    const report = await svc.ageing('2026-05-05');
    const row = report.rows.find((r) => r.customerId === c.id)!;
    // due 2026-02-01 (93 days late), 2026-03-20 (46), 2026-04-30 (5); each 31,000 + 5,890 tax
    expect(due).toEqual(['2026-02-01', '2026-03-20', '2026-04-30']);
    expect(row.buckets).toEqual({ current: 0, '1-30': 36_890, '31-60': 36_890, '61-90': 0, '90+': 36_890 });
    expect(row.totalMinor).toBe(3 * 36_890);
    expect(row.customerName).toBe('Ageing AG');
    // As of an earlier day only what was issued by then counts, and it was younger.
    const earlier = (await svc.ageing('2026-02-10')).rows.find((r) => r.customerId === c.id)!;
    expect(earlier.buckets).toEqual({ current: 0, '1-30': 36_890, '31-60': 0, '61-90': 0, '90+': 0 });
    // Nothing was paid by the due dates that have passed.
    expect((await repos.customers.get(c.id)).value.onTimePaymentRate).toBe(0);
  });

  it('bills T&M work at the rate card of the site’s region or the organisation, and mixes currencies only with a dated exchange rate', async () => {
    const c = await customer('Rates', { ...BERLIN, legalName: 'Rates GmbH' });
    const siteIn = async (serviceRegion?: string) => (await repos.sites.create({ customerId: c.id, name: 'S', timezone: 'UTC', ...(serviceRegion ? { serviceRegion } : {}) })).id;
    const assetAt = async (siteId: string) => (await repos.assets.create({ serialNumber: `R-${++serial}`, assetModelId: modelId, siteId, commissionedOn: '2024-01-01', status: 'active' })).id;
    const home = await assetAt(await siteIn());
    const north = await assetAt(await siteIn('NORD'));
    const tm = async (assetId: string) =>
      svc.createContract(
        ContractInput.parse({ customerId: c.id, assetIds: [assetId], startsOn: '2026-01-01', endsOn: '2026-12-31', currency: 'EUR', terms: { kind: 'time_and_materials', partsMarkupPercent: 10 } }),
      );
    const done = (workOrderId: string, assetId: string, parts: { partNumber: string; quantity: number; unitCostMinor: number; currency: string }[] = []) =>
      work.addWork({ workOrderId, assetId, completedAt: Date.UTC(2026, 0, 10, 12), cause: 'customer_use', inWarranty: false, labourHours: 2, travelHours: 1, parts });

    const homeContract = await tm(home);
    done('wo_rates_home', home, [{ partNumber: 'SEAL-1', quantity: 2, unitCostMinor: 1_000, currency: 'EUR' }]);
    // No rate in the contract and no card: refused, saying what is missing.
    const none = await expectAppError(svc.invoiceContract(homeContract.id, '2026-01'), 'REFERENCE_NOT_FOUND');
    expect(none.message).toMatch(/no labour and travel rates for work on 2026-01-10: the contract sets none and there is no rate card for the organisation/);
    expect(await svc.costRates.costRates(home, Date.UTC(2026, 0, 10))).toBeUndefined();

    await svc.createRateCard({ currency: 'EUR', labourRatePerHourMinor: 9_000, travelRatePerHourMinor: 5_000, effectiveFrom: '2026-01-01' });
    await svc.createRateCard({ region: 'NORD', currency: 'USD', labourRatePerHourMinor: 10_000, travelRatePerHourMinor: 6_000, effectiveFrom: '2026-01-01' });
    await expectAppError(svc.createRateCard({ currency: 'EUR', labourRatePerHourMinor: 1, travelRatePerHourMinor: 1, effectiveFrom: '2026-01-01' }), 'CONFLICT');
    // The work-order service costs work with the same cards (its configured rates only where no card exists).
    expect(await svc.costRates.costRates(home, Date.UTC(2026, 0, 10))).toEqual({ labourRatePerHourMinor: 9_000, travelRatePerHourMinor: 5_000, currency: 'EUR' });
    expect(await svc.costRates.costRates(north, Date.UTC(2026, 0, 10))).toEqual({ labourRatePerHourMinor: 10_000, travelRatePerHourMinor: 6_000, currency: 'USD' });
    expect(await svc.costRates.costRates(north, Date.UTC(2025, 11, 31))).toBeUndefined();
    const homeInvoice = await svc.invoiceContract(homeContract.id, '2026-01');
    // organisation card: 2 h x 90.00 = 18,000 ; 1 h x 50.00 = 5,000 ; parts 10.00 + 10 % = 11.00 x 2 = 2,200
    expect((await svc.getInvoice(homeInvoice.invoiceId!)).lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['time_and_materials', 18_000],
      ['travel', 5_000],
      ['parts', 2_200],
    ]);

    // The NORD card is in USD, the contract in EUR, and a part was bought in GBP.
    const northContract = await tm(north);
    done('wo_rates_north', north, [{ partNumber: 'BRG-9', quantity: 1, unitCostMinor: 2_000, currency: 'GBP' }]);
    const usd = await expectAppError(svc.invoiceContract(northContract.id, '2026-01'), 'REFERENCE_NOT_FOUND');
    expect(usd.message).toMatch(/priced in USD but billed in EUR: no exchange rate USD->EUR \(or EUR->USD\) dated on or before 2026-01-10/);
    await svc.createExchangeRate({ from: 'USD', to: 'EUR', rate: '0.92', asOf: '2026-01-02' });
    // A rate fixed after the day of the work does not apply to it.
    await svc.createExchangeRate({ from: 'EUR', to: 'GBP', rate: '0.8', asOf: '2026-01-20' });
    const gbp = await expectAppError(svc.invoiceContract(northContract.id, '2026-01'), 'REFERENCE_NOT_FOUND');
    expect(gbp.message).toMatch(/part BRG-9 is priced in GBP but billed in EUR: .* dated on or before 2026-01-10/);
    await svc.createExchangeRate({ from: 'EUR', to: 'GBP', rate: '0.8', asOf: '2026-01-05' });
    const northInvoice = await svc.invoiceContract(northContract.id, '2026-01');
    // USD 100.00 x 0.92 = EUR 92.00 -> 2 h = 18,400 ; USD 60.00 -> EUR 55.20 ; GBP 20.00 / 0.8 = EUR 25.00 + 10 % = 27.50
    expect((await svc.getInvoice(northInvoice.invoiceId!)).lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['time_and_materials', 18_400],
      ['travel', 5_520],
      ['parts', 2_750],
    ]);
    expect((await svc.exchangeRates()).map((r) => `${r.from}->${r.to} ${r.rate} ${r.asOf}`)).toEqual(['EUR->GBP 0.8 2026-01-05', 'EUR->GBP 0.8 2026-01-20', 'USD->EUR 0.92 2026-01-02']);
  });

  it('leaves customers without a billing party untaxed and names them', async () => {
    const c = await customer('Plain Customer');
    const { invoiceId } = await januaryInvoice(c.id, 1, 100);
    clock = Date.UTC(2026, 1, 3, 9);
    const inv = await svc.issue(invoiceId);
    expect([inv.taxMinor, inv.billTo.customerName, inv.billTo.legalName]).toEqual([0, 'Plain Customer', null]);
    expect(inv.billTo.taxNote).toMatch(/No tax treatment/);
    // default terms: 30 days net
    expect(inv.dueDate).toBe('2026-03-05');
  });
});
