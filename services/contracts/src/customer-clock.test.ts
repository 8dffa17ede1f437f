import type { Repositories } from '@hourmeter/db';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { ContractInput, CustomerWriteInput, QUARTER_MS, QUARTERS_PER_DAY } from '@hourmeter/domain';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticWorkOrderFacts } from './adapters/static.js';
import { addDays, eachDay } from './core/calendar.js';
import { createContractsService, type ContractsService } from './service.js';

const logger = pino({ level: 'silent' });
const H = 3_600_000;
const NOW = Date.UTC(2026, 11, 1);

/** Rule 12 of issue #16: metered days, availability and periods follow the contract's clock. */
describe.each(dbTargets())('periods on the customer clock on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let repos: Repositories;
  let svc: ContractsService;
  let modelId: string;
  let serial = 0;

  beforeAll(async () => {
    ({ repos } = store);
    const facts = staticWorkOrderFacts();
    svc = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => NOW });
    modelId = (await repos.assetModels.create({ code: 'GEN-1', name: 'Generator', runningRule: { kind: 'threshold', metric: 'rpm', above: 100 }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 72 })).id;
  });

  /** A customer in `customerZone` with a site in `siteZone`, an asset and a PBH contract from 2026 on. */
  async function contractIn(customerZone: string | undefined, siteZone: string) {
    const customer = await repos.customers.create({ name: `Customer ${++serial}`, currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 }, timeZone: customerZone });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: siteZone });
    const asset = await repos.assets.create({ serialNumber: `CLK-${serial}`, assetModelId: modelId, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
    const terms = { kind: 'pbh', ratePerHourMinor: 6_000, availabilityGuaranteePercent: 95, creditSchedule: { stepPoints: 1, percentPerStep: 1, capPercent: 10 } };
    const contract = await svc.createContract(ContractInput.parse({ customerId: customer.id, assetIds: [asset.id], startsOn: '2026-01-01', endsOn: '2027-12-31', currency: 'EUR', terms }));
    return { customer, asset: asset.id, contract: contract.id };
  }

  /** The hour meter as it records days: each UTC day with its quarter hours (`running(k)`: ms of quarter k). */
  async function meter(assetId: string, from: string, to: string, running: (day: string, k: number) => number = () => QUARTER_MS) {
    for (const day of eachDay(from, to)) {
      const quarterMs = Array.from({ length: QUARTERS_PER_DAY }, (_, k) => running(day, k));
      const operatingMs = quarterMs.reduce((s, q) => s + q, 0);
      await repos.operatingHours.record({ assetId, day, operatingMs, samples: 96, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}', quarterMs });
    }
  }

  it("a site left at UTC follows its customer's zone: Berlin's March has 743 h, with a 23 h last Sunday", async () => {
    const { contract, asset } = await contractIn('Europe/Berlin', 'UTC');
    await meter(asset, '2026-02-27', '2026-04-02');
    const usage = await svc.usage(contract, '2026-03');
    expect(usage.contractTimeZone).toBe('Europe/Berlin');
    expect(usage.totalMs).toBe(743 * H);
    const day = (d: string) => usage.days.find((u) => u.day === d)?.operatingMs;
    expect([day('2026-03-28'), day('2026-03-29'), day('2026-03-30')]).toEqual([24 * H, 23 * H, 24 * H]);
    // The invoice bills the local days: 743 h x 60.00.
    const out = await svc.invoiceContract(contract, '2026-03');
    const inv = await svc.getInvoice(out.invoiceId!);
    expect(inv.lines.filter((l) => l.kind === 'usage').map((l) => [l.quantity, l.amountMinor])).toEqual([[743, 743 * 6_000]]);
    // The same stored readings on the UTC clock: 31 whole days.
    const utc = await svc.usage(contract, '2026-03', 'UTC');
    expect(utc.timeZone).toBe('UTC');
    expect(utc.totalMs).toBe(744 * H);
    expect(utc.days.every((u) => u.operatingMs === 24 * H)).toBe(true);
  });

  it("a Berlin site's last Sunday of October has 25 h, and the site's zone wins over the customer's", async () => {
    const { contract, asset } = await contractIn('Asia/Tokyo', 'Europe/Berlin');
    await meter(asset, '2026-09-29', '2026-11-01');
    const usage = await svc.usage(contract, '2026-10');
    expect(usage.contractTimeZone).toBe('Europe/Berlin');
    expect(usage.days.find((u) => u.day === '2026-10-25')?.operatingMs).toBe(25 * H);
    expect(usage.totalMs).toBe(745 * H);
  });

  it("a Tokyo customer's March is March in Tokyo: an hour run at 00:00 on 1 March local is billed in March, not February", async () => {
    const { contract, asset } = await contractIn('Asia/Tokyo', 'UTC');
    // 15:00-16:00 UTC on 28 February: quarters 60..63 of that UTC day.
    await meter(asset, '2026-02-28', '2026-02-28', (_, k) => (k >= 60 && k < 64 ? QUARTER_MS : 0));
    const feb = await svc.invoiceContract(contract, '2026-02');
    const march = await svc.invoiceContract(contract, '2026-03');
    const usageOf = async (id: string) => (await svc.getInvoice(id)).lines.filter((l) => l.kind === 'usage').reduce((s, l) => s + l.amountMinor, 0);
    expect(await usageOf(feb.invoiceId!)).toBe(0);
    expect(await usageOf(march.invoiceId!)).toBe(6_000);
    // In UTC the same hour is February's.
    expect((await svc.usage(contract, '2026-02', 'UTC')).totalMs).toBe(H);
    expect((await svc.usage(contract, '2026-03', 'UTC')).totalMs).toBe(0);
  });

  it('a late correction of a UTC day reaches the local days it touches as a new usage version', async () => {
    const { contract, asset } = await contractIn('Asia/Tokyo', 'UTC');
    await meter(asset, '2026-04-01', '2026-04-03', () => QUARTER_MS / 2);
    const before = await svc.usage(contract, '2026-04');
    // The meter recomputes 2 April UTC: running all day now. Tokyo's 2 April (its 09:00 onwards) and 3 April (until 09:00) change.
    await meter(asset, '2026-04-02', '2026-04-02');
    const after = await svc.usage(contract, '2026-04');
    expect(after.totalMs - before.totalMs).toBe(12 * H);
    const changed = after.days.filter((d) => before.days.find((b) => b.day === d.day)?.operatingMs !== d.operatingMs).map((d) => [d.day, d.version]);
    expect(changed).toEqual([
      ['2026-04-02', 2],
      ['2026-04-03', 2],
    ]);
    // Tokyo's 2 April: 9 h of UTC 1 April (half running) + 15 h of UTC 2 April, half running before the correction, all of it after.
    expect((await repos.billing.usageVersions(asset, '2026-04-02')).map((v) => v.operatingMs)).toEqual([4.5 * H + 7.5 * H, 4.5 * H + 15 * H]);
  });

  it("stores the customer's zone; the API's schema refuses one that is not IANA", async () => {
    const { customer } = await contractIn('America/Sao_Paulo', 'UTC');
    expect((await repos.customers.get(customer.id)).timeZone).toBe('America/Sao_Paulo');
    const bad = CustomerWriteInput.safeParse({ name: 'Nowhere', currency: 'EUR', timeZone: 'Mars/Olympus' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['timeZone', 'must be an IANA time zone such as Europe/Berlin']]);
    expect(CustomerWriteInput.parse({ name: 'Somewhere', currency: 'EUR' }).timeZone).toBeUndefined();
  });

  it('leaves UTC customers on UTC days', async () => {
    const { contract, asset } = await contractIn(undefined, 'UTC');
    await meter(asset, '2026-05-01', '2026-05-31');
    const usage = await svc.usage(contract, '2026-05');
    expect(usage.contractTimeZone).toBe('UTC');
    expect(usage.days.map((d) => d.day)).toEqual(eachDay('2026-05-01', addDays('2026-05-01', 30)));
  });
});
