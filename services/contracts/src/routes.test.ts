import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticWorkOrderFacts } from './adapters/static.js';
import { contractRoutes } from './routes.js';
import { createContractsService } from './service.js';
import { pdfText, pdfTextUnavailable } from './testing/pdf-text.js';

const target = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;
let assetId: string;
let customerId: string;

beforeAll(async () => {
  repos = target.repos;
  const logger = pino({ level: 'silent' });
  const facts = staticWorkOrderFacts();
  // 10 February 2026: January has closed (end + 72 h grace), February is running.
  const contracts = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => Date.UTC(2026, 1, 10) });
  harness = await routeHarness({ auth: repos.apiKeys, issueKey: roleKeyIssuer(repos), register: (api) => contractRoutes(api, { contracts }) });
  customerId = (await repos.customers.create({ name: 'C', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } })).id;
  const site = await repos.sites.create({ customerId, name: 'S', timezone: 'UTC' });
  const model = await repos.assetModels.create({ code: 'M-1', name: 'M', runningRule: { kind: 'threshold', metric: 'rpm', above: 1 }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 1 });
  assetId = (await repos.assets.create({ serialNumber: 'S1', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' })).id;
  for (let d = 1; d <= 31; d++) {
    const day = `2026-01-${String(d).padStart(2, '0')}`;
    await repos.operatingHours.record({ assetId, day, operatingMs: 5 * 3_600_000, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
  }
});

afterAll(() => harness?.close());

const ROLE = { admin: 'admin', planner: 'planner', manager: 'account-manager' } as const;
const call = (method: 'GET' | 'POST', url: string, body?: unknown, as: keyof typeof ROLE = 'admin') => harness.request(method, url, { as: ROLE[as], body });

describe('contract routes', () => {
  it('declares every route for account managers', async () => {
    const routes = harness.app.routeRoles!.list();
    expect(routes.length).toBeGreaterThanOrEqual(17);
    for (const r of routes.filter((r) => !r.url.endsWith('*'))) expect(r.allow, r.url).toEqual(['account-manager']);
    expect((await call('GET', '/contracts', undefined, 'planner')).statusCode).toBe(403);
  });

  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(17);
  });

  it('runs the whole flow: contract, run, invoice as JSON/HTML/CSV, issue, credit note', async () => {
    const terms = { kind: 'pbh', ratePerHourMinor: 1_000, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 1, capPercent: 5 } };
    const bad = await call('POST', '/contracts', { customerId, assetIds: [assetId], startsOn: '2026-01-01', endsOn: '2026-12-31', currency: 'EUR', terms: { ...terms, ratePerHourMinor: -1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/ratePerHourMinor/);

    const created = await call('POST', '/contracts', { customerId, assetIds: [assetId], startsOn: '2026-01-01', endsOn: '2026-12-31', currency: 'EUR', terms });
    expect(created.statusCode).toBe(201);
    const contract = created.json();
    expect(contract.version).toBe(1);

    const overlap = await call('POST', '/contracts', { customerId, assetIds: [assetId], startsOn: '2026-06-01', endsOn: '2026-12-31', currency: 'EUR', terms });
    expect([overlap.statusCode, overlap.json().code]).toEqual([409, 'CONFLICT']);

    const usage = await call('GET', `/contracts/${contract.id}/usage?period=2026-01`);
    expect(usage.json().totalMs).toBe(155 * 3_600_000);
    const avail = await call('GET', `/contracts/${contract.id}/availability?period=2026-01`);
    expect(avail.json().availabilityPercent).toBe(100);

    const start = await call('POST', '/invoice-runs', { period: '2026-01' });
    expect(start.statusCode).toBe(202);
    let run = start.json();
    const deadline = Date.now() + 10_000;
    while (run.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await call('GET', `/invoice-runs/${run.id}`)).json();
    }
    expect(run.status).toBe('succeeded');
    const invoiceId = run.result.outcomes[0].invoiceId as string;

    const inv = (await call('GET', `/invoices/${invoiceId}`)).json();
    // 31 x 5 h = 155 h x 10.00 = 1,550.00
    expect([inv.status, inv.totalMinor]).toEqual(['draft', 155_000]);

    const html = await call('GET', `/invoices/${invoiceId}/print`);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('1,550.00');
    expect(html.body).not.toMatch(/<script/i);
    const csv = await call('GET', `/invoices/${invoiceId}/lines.csv`);
    expect(csv.body.split('\r\n')[0]).toBe('invoice,number,customer,line,kind,description,asset,work_order,from_day,to_day,quantity,unit_price_minor,amount_minor,tax_rate_bp,tax_minor,currency');
    expect(csv.body).toContain(',155000,0,0,EUR');

    const draftCredit = await call('POST', `/invoices/${invoiceId}/credit-notes`, { amountMinor: 1, reason: 'x' });
    expect([draftCredit.statusCode, draftCredit.json().code]).toEqual([409, 'ILLEGAL_TRANSITION']);

    const issued = await call('POST', `/invoices/${invoiceId}/issue`);
    expect(issued.statusCode).toBe(200);
    expect(issued.json().number).toMatch(/^\d{4}-000001$/);
    const twice = await call('POST', `/invoices/${invoiceId}/issue`);
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'ILLEGAL_TRANSITION']);

    const tooMuch = await call('POST', `/invoices/${invoiceId}/credit-notes`, { amountMinor: 155_001, reason: 'too much' });
    expect([tooMuch.statusCode, tooMuch.json().code]).toEqual([409, 'CONFLICT']);
    const note = await call('POST', `/invoices/${invoiceId}/credit-notes`, { amountMinor: 5_000, reason: '<b>goodwill</b> & "thanks"' });
    expect(note.statusCode).toBe(201);
    if (!pdfTextUnavailable()) {
      const pdf = await call('GET', `/invoices/${invoiceId}/pdf`);
      expect([pdf.statusCode, pdf.headers['content-type'], pdf.headers['content-disposition']]).toEqual([200, 'application/pdf', `attachment; filename="${issued.json().number}.pdf"`]);
      const text = pdfText(pdf.rawPayload);
      expect(text).toMatch(/Total EUR\s+1,550\.00/);
      expect(text).toContain('S1');
      const cn = await call('GET', `/invoices/${invoiceId}/credit-notes/${note.json().id}/pdf`);
      expect(pdfText(cn.rawPayload)).toMatch(/Total credited EUR\s+50\.00/);
      expect((await call('GET', `/invoices/${invoiceId}/credit-notes/crn_nope/pdf`)).statusCode).toBe(404);
    }
    const badPay = await call('POST', `/invoices/${invoiceId}/payments`, { amountMinor: -5, currency: 'EUR', receivedOn: '2026-02-01' });
    expect([badPay.statusCode, badPay.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const today = '2026-02-10'; // the service's clock
    const paid = await call('POST', `/invoices/${invoiceId}/payments`, { amountMinor: 50_000, currency: 'EUR', receivedOn: today, reference: 'bank 42' });
    expect([paid.statusCode, paid.json().appliedMinor]).toEqual([201, 50_000]);
    const overpaid = await call('POST', `/invoices/${invoiceId}/payments`, { amountMinor: 100_001, currency: 'EUR', receivedOn: today });
    expect([overpaid.statusCode, overpaid.json().code]).toEqual([409, 'CONFLICT']);
    expect(overpaid.json().detail).toMatch(/exceeds the open 1,000\.00 EUR of invoice/);
    expect((await call('GET', `/invoices/${invoiceId}`)).json()).toMatchObject({ paidMinor: 50_000, openMinor: 100_000, paymentStatus: 'partly_paid' });
    expect((await call('GET', `/invoices/${invoiceId}/payments`)).json()).toHaveLength(1);
    const ageing = await call('GET', `/reports/receivables-ageing?asOf=${today}&format=csv`);
    expect(ageing.headers['content-type']).toMatch(/text\/csv/);
    expect(ageing.body.split('\r\n').slice(0, 2)).toEqual(['as_of,customer,currency,current_minor,1-30_minor,31-60_minor,61-90_minor,90+_minor,total_minor', `${today},C,EUR,100000,0,0,0,0,100000`]);
    expect((await call('GET', `/reports/receivables-ageing?asOf=${today}`)).json().totals).toEqual([{ currency: 'EUR', buckets: { current: 100_000, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 }, totalMinor: 100_000 }]);
    const printed = await call('GET', `/invoices/${invoiceId}/print`);
    expect(printed.body).toContain('&lt;b&gt;goodwill&lt;/b&gt; &amp; &quot;thanks&quot;');

    const amendInvoiced = await call('POST', `/contracts/${contract.id}/amendments`, { effectiveFrom: '2026-01-15', terms: { ...terms, ratePerHourMinor: 2_000 } });
    expect([amendInvoiced.statusCode, amendInvoiced.json().code]).toEqual([409, 'CONFLICT']);

    const pnl = await call('GET', '/reports/service-pnl?groupBy=customer&from=2026-01-01&to=2026-01-31');
    expect(pnl.json().rows[0].revenue.totalMinor).toBe(150_000);
  });

  it('issues a provisional draft only when an admin forces it with a reason, recorded on the invoice', async () => {
    const start = await call('POST', '/invoice-runs', { period: '2026-02' }, 'manager');
    expect(start.statusCode).toBe(202);
    let run = start.json();
    const deadline = Date.now() + 10_000;
    while (run.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await call('GET', `/invoice-runs/${run.id}`)).json();
    }
    const invoiceId = run.result.outcomes[0].invoiceId as string;
    const draft = (await call('GET', `/invoices/${invoiceId}`, undefined, 'manager')).json();
    expect([draft.provisional, draft.issuableAt]).toEqual([true, Date.UTC(2026, 2, 1) + 72 * 3_600_000]);

    const early = await call('POST', `/invoices/${invoiceId}/issue`, undefined, 'manager');
    expect([early.statusCode, early.json().code]).toEqual([409, 'PERIOD_NOT_CLOSED']);
    expect(early.json().detail).toContain('2026-03-04T00:00:00.000Z');
    const managerForce = await call('POST', `/invoices/${invoiceId}/issue`, { force: true, reason: 'month-end close' }, 'manager');
    expect([managerForce.statusCode, managerForce.json().code]).toEqual([403, 'FORBIDDEN']);
    const noReason = await call('POST', `/invoices/${invoiceId}/issue`, { force: true });
    expect([noReason.statusCode, noReason.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await call('GET', `/invoices/${invoiceId}`)).json().status).toBe('draft');

    const forced = await call('POST', `/invoices/${invoiceId}/issue`, { force: true, reason: 'month-end close' });
    expect(forced.statusCode).toBe(200);
    expect([forced.json().status, forced.json().number, forced.json().issueForcedReason]).toEqual(['issued', '2026-000002', 'month-end close']);
  });

  it('escapes CSV text that a spreadsheet would evaluate', async () => {
    const { csvField } = await import('./render.js');
    expect(csvField('=HYPERLINK("x")', true)).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-5)).toBe('-5');
  });

  it('validates rate cards and exchange rates at the boundary', async () => {
    const float = await call('POST', '/exchange-rates', { from: 'USD', to: 'EUR', rate: 0.92, asOf: '2026-01-01' });
    expect([float.statusCode, float.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const same = await call('POST', '/exchange-rates', { from: 'EUR', to: 'EUR', rate: '1', asOf: '2026-01-01' });
    expect(same.json().detail).toMatch(/from and to must differ/);
    const tooPrecise = await call('POST', '/exchange-rates', { from: 'USD', to: 'EUR', rate: '0.123456789', asOf: '2026-01-01' });
    expect(tooPrecise.statusCode).toBe(400);
    const ok = await call('POST', '/exchange-rates', { from: 'USD', to: 'EUR', rate: '0.92345678', asOf: '2026-01-01' });
    expect([ok.statusCode, ok.json().rate]).toEqual([201, '0.92345678']);
    const card = await call('POST', '/rate-cards', { region: 'NORD', currency: 'USD', labourRatePerHourMinor: 10_000, travelRatePerHourMinor: 6_000, effectiveFrom: '2026-01-01' });
    expect([card.statusCode, card.json().region]).toEqual([201, 'NORD']);
    const noCurrency = await call('POST', '/rate-cards', { labourRatePerHourMinor: 10_000, travelRatePerHourMinor: 6_000, effectiveFrom: '2026-01-01' });
    expect(noCurrency.json().detail).toMatch(/currency/);
    expect((await call('GET', '/rate-cards')).json()).toHaveLength(1);
  });
});
