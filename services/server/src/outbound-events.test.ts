import { createContractsService, staticWorkOrderFacts } from '@hourmeter/contracts';
import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import { ContractInput, CustomerInput } from '@hourmeter/domain';
import { createEventBus } from '@hourmeter/events';
import { createNotifier, type Notifier } from '@hourmeter/notifications';
import { TestSmtpServer } from '@hourmeter/notifications/testing';
import { waitFor } from '@hourmeter/testkit';
import { createWebhookDispatcher, SIGNATURE_HEADER, verifySignature, type WebhookDispatcher } from '@hourmeter/webhooks';
import { startReceiver, type Receiver } from '@hourmeter/webhooks/testing';
import { createWorkOrderService } from '@hourmeter/work-orders';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const logger = pino({ level: 'silent' });
const CONSOLE = 'https://console.example.test';
const H = 3_600_000;

/**
 * Issue #20, what other systems and people hear of beyond orders and
 * invoices: quality reserve warnings (bus -> outbox -> mail and webhooks),
 * SLA risk of PBH contracts (once per contract and period), and payments
 * (outbox rows in the payment's own transaction). Real SMTP server, real HTTP
 * receiver, both database engines.
 */
describe.each(dbTargets())('reserve, SLA and payment events reach e-mail and webhooks ($name)', (target) => {
  const fx = useDbTarget(target);
  if (!fx) return;
  const smtp = new TestSmtpServer();
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;
  let notifier: Notifier;
  let secret: string;
  const bus = createEventBus({ logger });
  // 01:00 UTC: before the 07:00 digest, so only immediate mails go out.
  let clock = Date.UTC(2026, 11, 7, 1, 0);
  let seq = 0;

  beforeAll(async () => {
    await smtp.start();
    receiver = await startReceiver();
    dispatcher = createWebhookDispatcher({ webhooks: fx.repos.webhooks, outbox: fx.repos.outbox, events: bus, logger, options: { pollIntervalMs: 20, timeoutMs: 2000 } });
    dispatcher.start();
    notifier = createNotifier({ notifications: fx.repos.notifications, smtpUrl: smtp.url, from: 'Hourmeter <hm@example.test>', consoleUrl: CONSOLE, logger, now: () => clock });
    ({ secret } = await fx.repos.webhooks.createSubscription({ url: receiver.url, eventTypes: ['reserve.*', 'contract.sla_at_risk', 'payment.*', 'invoice.paid'], allowPrivateNetwork: true }));
  });
  afterEach(async () => {
    for (const r of await fx.repos.notifications.listRecipients()) await fx.repos.notifications.removeRecipient(r.id);
    smtp.mails.length = 0;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await notifier?.stop();
    await receiver?.close();
    await smtp.stop();
  });

  /** Everyone, by role, with addresses unique to the test. */
  async function people(tag: string) {
    const mk = (role: string) => fx!.repos.notifications.createRecipient({ name: `${role} ${tag}`, email: `${role}-${tag}-${target.name}@example.test`, role });
    return { admin: await mk('admin'), am: await mk('account-manager'), engineer: await mk('engineer'), planner: await mk('planner') };
  }

  /** The events of a type the receiver got, signature checked. */
  function delivered(type: string): { id: string; data: Record<string, unknown> }[] {
    return receiver.received
      .filter((r) => r.headers['hourmeter-event-type'] === type)
      .map((r) => {
        expect(verifySignature(String(r.headers[SIGNATURE_HEADER]), r.body, secret)).toEqual({ ok: true });
        return JSON.parse(r.body) as { id: string; data: Record<string, unknown> };
      });
  }

  it('mails quality reserve warnings by role (80 % and overdrawn, money in major units, a link to the report) and delivers them to webhooks', async () => {
    seq++;
    const who = await people(`rsv${seq}`);
    const repos = fx.repos;
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `RSVN-${target.name}-${seq}`, name: 'Press', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const batch = await repos.productionBatches.create({ assetModelId: model.id, code: `BN-${target.name}-${seq}`, producedOn: '2026-01-01', unitCount: 5, qualityReserve: { amountMinor: 1000_00, currency: 'EUR' } });
    const asset = await repos.assets.create({ serialNumber: `RN-${seq}`, assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: '2026-01-15', warrantyEndsOn: '2027-06-30', status: 'active' });
    for (const [kind, code] of [['symptom', 'S'], ['cause', 'C'], ['remedy', 'R']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
    const svc = createWorkOrderService({ repos, logger, events: bus, clock: () => clock });
    /** A production defect in warranty, charged to the batch's reserve: labour only, 85.00 EUR/h. */
    const repair = async (labourHours: number) => {
      const wo = await svc.create({ kind: 'corrective', assetId: asset.id }, 'planner:1');
      await svc.schedule(wo.id, { technician: 'Ana', windowFrom: clock, windowTo: clock + 1 }, 'planner:1');
      await svc.start(wo.id, 'engineer:1');
      await svc.complete(wo.id, { symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'production', partsConsumed: [], labourHours, travelHours: 0, downtimeFrom: clock - 1, downtimeTo: clock, fixedOnFirstVisit: true }, 'engineer:1');
    };
    const ofBatch = async (type: string) => (await repos.outbox.ofType(type)).filter((e) => (e.data as { productionBatchId: string }).productionBatchId === batch.id);

    await repair(10); // 850.00 of 1,000.00
    await waitFor('reserve.warning in the outbox', async () => (await ofBatch('reserve.warning')).length === 1);
    await notifier.runOnce();
    const [warning, ...moreWarnings] = smtp.to(who.am.email);
    expect(moreWarnings).toEqual([]);
    expect(warning!.decoded).toMatch(new RegExp(`^Subject: \\[Hourmeter\\] quality reserve of batch ${batch.code} 80 % used`, 'm'));
    expect(warning!.decoded).toContain('Reserve: €1,000.00');
    expect(warning!.decoded).toContain('Charged to it: €850.00');
    expect(warning!.decoded).toContain(`Open the warranty batches report: ${CONSOLE}/reports`);
    expect(warning!.decoded).toContain(`<a href="${CONSOLE}/reports">`);
    expect(warning!.decoded).not.toMatch(/pb_[0-9A-Z]{26}/);
    expect(smtp.to(who.admin.email)).toHaveLength(1);
    expect(smtp.to(who.engineer.email)).toEqual([]); // a warning is in the engineer's digest
    expect(smtp.to(who.planner.email)).toEqual([]);

    await repair(2); // 1,020.00: overdrawn
    await waitFor('reserve.exhausted in the outbox', async () => (await ofBatch('reserve.exhausted')).length === 1);
    await notifier.runOnce();
    const [exhausted] = smtp.to(who.engineer.email);
    expect(exhausted!.decoded).toMatch(new RegExp(`^Subject: \\[Hourmeter\\] quality reserve of batch ${batch.code} overdrawn`, 'm'));
    expect(exhausted!.decoded).toContain('Charged to it: €1,020.00');
    expect(smtp.to(who.am.email)).toHaveLength(2);
    expect(smtp.to(who.planner.email)).toEqual([]);

    await waitFor('both delivered to the webhook', () => delivered('reserve.exhausted').some((e) => e.data.productionBatchId === batch.id));
    expect(delivered('reserve.warning').filter((e) => e.data.productionBatchId === batch.id)).toHaveLength(1);
  });

  /** A PBH contract with a 98 % guarantee on 24x7 hours, from December 2026, on a new asset of a new customer. */
  async function pbhContract(customerName: string) {
    const repos = fx!.repos;
    const customer = await repos.customers.create(CustomerInput.parse({ name: customerName, currency: 'EUR' }));
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `SLA-${target.name}-${++seq}`, name: 'Chiller', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 12, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: `CH-${seq}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    const facts = staticWorkOrderFacts();
    const contracts = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => clock, graceMs: 0, slaRiskPercent: 80 });
    const contract = await contracts.createContract(
      ContractInput.parse({
        customerId: customer.id,
        assetIds: [asset.id],
        startsOn: '2026-11-01',
        endsOn: '2027-10-31',
        currency: 'EUR',
        terms: { kind: 'pbh', ratePerHourMinor: 1_000, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 1, capPercent: 5 }, minimumHoursPerPeriod: 0 },
      }),
    );
    let wo = 0;
    const down = (from: number, hours: number) => facts.addDowntime({ workOrderId: `wo_${seq}_${++wo}`, assetId: asset.id, from, to: from + hours * H, cause: 'design', planned: false });
    return { contracts, contract, customer, asset, down };
  }

  it('announces a PBH contract whose availability guarantee is at risk once per period, to the account manager and to webhooks', async () => {
    const who = await people(`sla${++seq}`);
    clock = Date.UTC(2026, 11, 7, 1, 0);
    const { contracts, contract, down } = await pbhContract('Frost Logistics');
    const mine = async () => (await fx.repos.outbox.ofType('contract.sla_at_risk')).filter((e) => (e.data as { contract: { id: string } }).contract.id === contract.id);
    // December: 744 scheduled hours, 98 % allows 14.88 h of downtime; 80 % of that is 11.904 h.
    down(Date.UTC(2026, 11, 2, 8), 10);
    expect(await contracts.checkSlaRisk()).toEqual([]);
    expect(await mine()).toEqual([]);
    down(Date.UTC(2026, 11, 3, 8), 2); // 12 h: 80.64 % of what the guarantee allows
    const [first, ...others] = await contracts.checkSlaRisk();
    expect(others).toEqual([]);
    expect(first).toMatchObject({ contractId: contract.id, periodStart: '2026-12-01' });
    // Evaluated again (every schedule pass): nothing new this period, even with more downtime.
    down(Date.UTC(2026, 11, 4, 8), 1);
    expect(await contracts.checkSlaRisk()).toEqual([]);
    const events = await mine();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      periodStart: '2026-12-01',
      periodEnd: '2026-12-31',
      guaranteePercent: 98,
      availabilityPercent: 98.387, // (744 - 12) / 744
      downtimeMs: 12 * H,
      allowedDowntimeMs: 14.88 * H,
      budgetUsedPercent: 80.64,
      missed: false,
    });
    expect(await fx.repos.slaRisk.ofContract(contract.id)).toMatchObject([{ periodStart: '2026-12-01', eventId: events[0]!.id }]);

    await notifier.runOnce();
    const [mail, ...more] = smtp.to(who.am.email);
    expect(more).toEqual([]);
    expect(mail!.decoded).toMatch(/^Subject: \[Hourmeter\] availability guarantee at risk for Frost Logistics: 98.387% of 98% \(2026-12-01 to 2026-12-31\)/m);
    expect(mail!.decoded).toContain('Contract: Power-by-the-hour contract 2026-11-01 to 2027-10-31');
    expect(mail!.decoded).toContain('Downtime counted: 12.0 h of 14.9 h allowed (80.64%)');
    expect(mail!.decoded).toContain(`Open the contracts: ${CONSOLE}/contracts`);
    expect(smtp.to(who.admin.email)).toEqual([]); // the admin's digest
    expect(smtp.to(who.engineer.email)).toEqual([]);
    await waitFor('delivered to the webhook', () => delivered('contract.sla_at_risk').some((e) => e.id === events[0]!.id));

    // The next period starts clean and is announced on its own, here already missed.
    clock = Date.UTC(2027, 0, 5, 1, 0);
    expect(await contracts.checkSlaRisk()).toEqual([]);
    down(Date.UTC(2027, 0, 2, 0), 16);
    expect((await contracts.checkSlaRisk()).map((a) => a.periodStart)).toEqual(['2027-01-01']);
    expect((await mine()).map((e) => [(e.data as { periodStart: string }).periodStart, (e.data as { missed: boolean }).missed])).toEqual([
      ['2026-12-01', false],
      ['2027-01-01', true],
    ]);
  });

  it('writes payment.recorded with each payment and invoice.paid when it settles the invoice, in the payment transaction; a refused payment announces nothing', async () => {
    clock = Date.UTC(2026, 11, 7, 1, 0);
    const { contracts, contract, asset } = await pbhContract('Polar Foods');
    for (let d = 1; d <= 30; d++) {
      await fx.repos.operatingHours.record({ assetId: asset.id, day: `2026-11-${String(d).padStart(2, '0')}`, operatingMs: 10 * H, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    }
    const { invoiceId } = await contracts.invoiceContract(contract.id, '2026-11');
    const invoice = await contracts.issue(invoiceId!);
    expect(invoice.grossMinor).toBe(300 * 1_000);
    const ofInvoice = async (type: string) => (await fx.repos.outbox.ofType(type)).filter((e) => (e.data as { invoice: { id: string } }).invoice.id === invoiceId);

    const first = await contracts.recordPayment(invoiceId!, { amountMinor: 100_000, currency: 'EUR', receivedOn: '2026-12-07', excessAsCredit: false });
    await expectAppError(contracts.recordPayment(invoiceId!, { amountMinor: 250_000, currency: 'EUR', receivedOn: '2026-12-07', excessAsCredit: false }), 'CONFLICT');
    expect((await ofInvoice('payment.recorded')).map((e) => (e.data as { payment: { id: string } }).payment.id)).toEqual([first.id]);
    expect(await ofInvoice('invoice.paid')).toEqual([]);

    const rest = await contracts.recordPayment(invoiceId!, { amountMinor: 200_000, currency: 'EUR', receivedOn: '2026-12-08', reference: 'SEPA 42', excessAsCredit: false });
    const recorded = await ofInvoice('payment.recorded');
    expect(recorded.map((e) => e.data)).toEqual([
      { payment: first, invoice: { id: invoiceId, number: invoice.number, customerId: invoice.customerId, currency: 'EUR', openMinor: 200_000 } },
      { payment: rest, invoice: { id: invoiceId, number: invoice.number, customerId: invoice.customerId, currency: 'EUR', openMinor: 0 } },
    ]);
    const [paid, ...paidTwice] = await ofInvoice('invoice.paid');
    expect(paidTwice).toEqual([]);
    expect(paid!.data).toMatchObject({ paidOn: '2026-12-08', paymentId: rest.id, invoice: { id: invoiceId, openMinor: 0 } });

    await waitFor('payments and the settled invoice delivered, signed', () =>
      delivered('payment.recorded').filter((e) => (e.data.invoice as { id: string }).id === invoiceId).length === 2 && delivered('invoice.paid').some((e) => e.id === paid!.id),
    );
  });
});
