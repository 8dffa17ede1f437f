import { describe, expect, it } from 'vitest';
import { dbTargets, expectAppError, useDbTarget } from '../testing.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const OPTS = { actor: 'test', now: T0, repeatWindowMs: 30 * DAY };
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const LEAD = { need: 'a second line next year', product: 'Line 2 pump set', estimated: eur(40_000_00), contact: { name: 'Ana Ruiz', email: 'ana@acme.example' } };

describe.each(dbTargets())('leads and NPS repository on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;

  async function workOrder(technician: string | null) {
    const r = t!.repos;
    const assetId = await t!.newAsset();
    const wo = await r.workOrders.create({ kind: 'corrective', assetId }, OPTS);
    if (technician) await t!.db.kysely.updateTable('work_orders').set({ technician }).where('id', '=', wo.id).execute();
    const asset = (await r.assets.find(assetId))!;
    const site = (await r.sites.find(asset.siteId))!;
    await t!.db.kysely.updateTable('sites').set({ service_region: 'north' }).where('id', '=', site.id).execute();
    return { id: wo.id, customerId: site.customerId };
  }

  it('records a lead on a work order with its technician, customer and region, and filters the list', async () => {
    const r = t.repos;
    const wo = await workOrder('Jo Smith');
    const lead = await r.leads.create(wo.id, LEAD, 'usr_engineer', T0);
    expect(lead).toMatchObject({ workOrderId: wo.id, customerId: wo.customerId, technician: 'Jo Smith', region: 'north', state: 'open', estimatedMinor: 40_000_00, currency: 'EUR' });
    expect(await r.leads.get(lead.id)).toEqual(lead);
    const other = await workOrder(null);
    const byRecorder = await r.leads.create(other.id, LEAD, 'Kim Lee', T0 + 1);
    expect(byRecorder.technician).toBe('Kim Lee');
    expect((await r.leads.list({ technician: 'Jo Smith' })).map((l) => l.id)).toEqual([lead.id]);
    expect((await r.leads.list({ customerId: other.customerId })).map((l) => l.id)).toEqual([byRecorder.id]);
    await expectAppError(r.leads.create('wo_00000000000000000000000000', LEAD, null), 'NOT_FOUND');
    await expectAppError(r.leads.get('led_00000000000000000000000000'), 'NOT_FOUND');
  });

  it('applies a decision only from the state it was made on', async () => {
    const r = t.repos;
    const wo = await workOrder('Jo Smith');
    const lead = await r.leads.create(wo.id, LEAD, null, T0);
    const q = await r.leads.decide(lead.id, 'open', { state: 'qualified', decidedBy: 'am', closed: false }, T0 + DAY);
    expect(q.state).toBe('qualified');
    // a second decision made on the stale 'open' state is refused and changes nothing
    await expectAppError(r.leads.decide(lead.id, 'open', { state: 'disqualified', reason: 'x', decidedBy: 'am', closed: true }), 'CONFLICT');
    const won = await r.leads.decide(lead.id, 'qualified', { state: 'won', wonMinor: 35_000_00, payoutMinor: 700_00, decidedBy: 'am', closed: true }, T0 + 2 * DAY);
    expect(won).toMatchObject({ state: 'won', wonMinor: 35_000_00, payoutMinor: 700_00, closedAt: T0 + 2 * DAY, decidedBy: 'am' });
  });

  it('keeps one NPS answer per work order and counts it in the month facts with revenue, cost and repeats', async () => {
    const r = t.repos;
    const wo = await workOrder(null);
    const answer = await r.leads.recordNps(wo.id, { score: 4, comment: 'slow', respondedAt: T0 + 40 * DAY }, 'am');
    expect(answer).toMatchObject({ score: 4, customerId: wo.customerId });
    await expectAppError(r.leads.recordNps(wo.id, { score: 10 }, 'am'), 'CONFLICT');
    expect((await r.leads.npsOf(wo.id))?.score).toBe(4);
    await expectAppError(r.leads.recordNps('wo_00000000000000000000000000', { score: 9 }, null), 'NOT_FOUND');
    const months = await r.leads.monthlyFacts(wo.customerId, '2026-01', 3);
    expect(months.map((m) => m.month)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(months[1]!.nps).toEqual({ promoters: 0, passives: 0, detractors: 1 });
    expect(months[0]!.nps).toEqual({ promoters: 0, passives: 0, detractors: 0 });
    // no invoice has fallen due: nothing was paid late
    expect(months.every((m) => m.promptness === 1 && m.revenueMinor === 0)).toBe(true);
  });

  it('counts completion costs in the month completed and repeat failures in the month opened', async () => {
    const r = t.repos;
    const assetId = await t.newAsset();
    const customerId = (await r.sites.find((await r.assets.find(assetId))!.siteId))!.customerId;
    const first = await r.workOrders.create({ kind: 'corrective', assetId, failureMode: 'bearing_wear' }, OPTS);
    const done = T0 + 10 * DAY;
    await r.workOrders.transition(first.id, { from: 'open', to: 'in_progress', actor: 'x', at: done - 1 });
    await r.workOrders.complete(
      first.id,
      {
        failureAt: T0 + 9 * DAY, symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'customer_use', partsConsumed: [], labourHours: 1, travelHours: 0,
        downtimeFrom: T0 + 9 * DAY, downtimeTo: done, fixedOnFirstVisit: true, inWarranty: false, chargedTo: 'customer',
        partsCost: eur(0), labourCost: eur(120_00), travelCost: eur(0), totalCost: eur(120_00), consumedByPartId: new Map(), sourcesByPartId: new Map(),
      },
      'x',
      done,
    );
    await r.workOrders.create({ kind: 'corrective', assetId, failureMode: 'bearing_wear' }, { ...OPTS, now: T0 + 35 * DAY });
    const [jan, feb] = await r.leads.monthlyFacts(customerId, '2026-01', 2);
    expect(jan).toMatchObject({ costToServeMinor: 120_00, workOrders: 1, repeatFailures: 0 });
    expect(feb).toMatchObject({ costToServeMinor: 0, workOrders: 0, repeatFailures: 1 });
  });

  it('counts revenue from issued invoices less credit notes in their month, and promptness from payments as of each month end', async () => {
    const r = t.repos;
    const k = t.db.kysely;
    const assetId = await t.newAsset();
    const customerId = (await r.sites.find((await r.assets.find(assetId))!.siteId))!.customerId;
    const ctr = `ctr_${target.name}_rev`;
    await k.insertInto('contracts').values({ id: ctr, customer_id: customerId, kind: 'tm', currency: 'EUR', billing_period: 'monthly', starts_on: '2026-01-01', ends_on: '2026-12-31', current_version: 1, created_at: T0, updated_at: T0 }).execute();
    const FEB = Date.parse('2026-02-05T00:00:00Z');
    const draft = (id: string, period: string) => ({
      id, contract_id: ctr, customer_id: customerId, idempotency_key: `${ctr}:${period}`, period_start: `${period}-01`, period_end: `${period}-28`,
      currency: 'EUR', status: 'draft', number: null, total_minor: 100_000, tax_minor: 0, issued_at: null, run_id: null, due_date: '2026-02-20', created_at: FEB, updated_at: FEB,
    });
    await k.insertInto('invoices').values([draft(`inv_${target.name}_1`, '2026-01'), draft(`inv_${target.name}_2`, '2026-02')]).execute();
    // only the first is issued: a draft is not revenue
    await k.updateTable('invoices').set({ status: 'issued', number: `R-${target.name}-1`, issued_at: FEB, updated_at: FEB }).where('id', '=', `inv_${target.name}_1`).execute();
    await k.insertInto('credit_notes').values({ id: `crn_${target.name}_1`, invoice_id: `inv_${target.name}_1`, number: `CN-${target.name}-1`, reason: 'goodwill', amount_minor: 20_000, currency: 'EUR', issued_at: Date.parse('2026-03-03T00:00:00Z') }).execute();
    // 30,000 paid by the due date, the rest after it
    await k.insertInto('payments').values([
      { id: `pay_${target.name}_1`, invoice_id: `inv_${target.name}_1`, customer_id: customerId, amount_minor: 30_000, applied_minor: 30_000, credit_minor: 0, currency: 'EUR', received_on: '2026-02-18', reference: null, created_at: FEB },
      { id: `pay_${target.name}_2`, invoice_id: `inv_${target.name}_1`, customer_id: customerId, amount_minor: 50_000, applied_minor: 50_000, credit_minor: 0, currency: 'EUR', received_on: '2026-03-10', reference: null, created_at: FEB },
    ]).execute();
    const [jan, feb, mar] = await r.leads.monthlyFacts(customerId, '2026-01', 3);
    expect([jan!.revenueMinor, feb!.revenueMinor, mar!.revenueMinor]).toEqual([0, 100_000, -20_000]);
    // due 2026-02-20: not fallen due at January's end; by March's end 30,000 of the 80,000 owed (after the credit note) came on time
    expect(jan!.promptness).toBe(1);
    expect(mar!.promptness).toBe(0.375);
  });
});

