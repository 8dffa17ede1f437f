import { repositories, type Repositories } from '@hourmeter/db';
import { dbTargets, expectAppError } from '@hourmeter/db/testing';
import { ContractInput, MAX_PERIOD_AMOUNT_MINOR, newId } from '@hourmeter/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateOn } from './core/terms.js';

/**
 * Validation at the limits (issue 22, item 5): terms whose billable amounts
 * could overflow are refused at creation with a clear message, and a contract
 * must be in its customer's currency.
 */
const CUSTOMER = newId('customer');
const ASSETS = Array.from({ length: 1000 }, () => newId('asset'));
const assetIdsOf = (n: number) => ASSETS.slice(0, n);

const pbhInput = (p: { rate: number; escalation: number; minimumHours: number; years: number; assets: number }) => ({
  customerId: CUSTOMER,
  assetIds: assetIdsOf(p.assets),
  startsOn: '2026-01-01',
  endsOn: `${2026 + p.years}-12-31`,
  currency: 'EUR',
  terms: {
    kind: 'pbh',
    ratePerHourMinor: p.rate,
    annualEscalationPercent: p.escalation,
    minimumHoursPerPeriod: p.minimumHours,
    availabilityGuaranteePercent: 98,
    creditSchedule: { percentPerStep: 1, capPercent: 5 },
  },
});

const termsArb = fc.record({
  rate: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  escalation: fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100),
  minimumHours: fc.integer({ min: 0, max: 1_000_000 }),
  years: fc.integer({ min: 0, max: 60 }),
  assets: fc.integer({ min: 1, max: 1000 }),
});

describe('contract terms bounded so every billable amount fits', () => {
  let accepted = 0;
  it('accepts only terms whose worst period (every hour of a quarter, escalated to the last year) stays exact', () => {
    fc.assert(
      fc.property(termsArb, (p) => {
        const parsed = ContractInput.safeParse(pbhInput(p));
        if (!parsed.success) {
          // Refused only for the bound, never for another reason (the generated inputs are otherwise valid).
          expect(parsed.error.issues.map((i) => i.path.join('.'))).toEqual(['terms.ratePerHourMinor']);
          return;
        }
        accepted++;
        const input = pbhInput(p);
        // Exact: the rate as billing escalates it (half-even each anniversary), times the most hours a period can bill.
        const { rate } = rateOn({ ratePerHourMinor: p.rate, annualEscalationPercent: p.escalation }, input.startsOn, input.endsOn);
        const maxHours = BigInt(Math.max(92 * 24 * p.assets, p.minimumHours));
        expect(BigInt(rate) * maxHours).toBeLessThanOrEqual(BigInt(MAX_PERIOD_AMOUNT_MINOR));
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('refuses an overflowing rate at creation, naming the field and the limit', () => {
    const parsed = ContractInput.safeParse(pbhInput({ rate: 2 ** 40, escalation: 0, minimumHours: 0, years: 1, assets: 1 }));
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(issue.path).toEqual(['terms', 'ratePerHourMinor']);
    expect(issue.message).toContain(String(MAX_PERIOD_AMOUNT_MINOR));
    // Escalation compounding over a long term overflows a rate that fits in year one.
    expect(ContractInput.safeParse(pbhInput({ rate: 100_000, escalation: 100, minimumHours: 0, years: 40, assets: 10 })).success).toBe(false);
    expect(ContractInput.safeParse(pbhInput({ rate: 100_000, escalation: 3, minimumHours: 0, years: 40, assets: 10 })).success).toBe(true);
  });

  it('keeps real contracts possible: 10,000.00 per hour, 10 % a year for 30 years, 1000 assets', () => {
    expect(ContractInput.safeParse(pbhInput({ rate: 1_000_000, escalation: 10, minimumHours: 1_000_000, years: 30, assets: 1000 })).success).toBe(false);
    expect(ContractInput.safeParse(pbhInput({ rate: 10_000, escalation: 10, minimumHours: 1_000_000, years: 30, assets: 1000 })).success).toBe(true);
    expect(ContractInput.safeParse(pbhInput({ rate: 1_000_000, escalation: 10, minimumHours: 0, years: 30, assets: 20 })).success).toBe(true);
  });
});

describe.each(dbTargets())('contract currency and limits on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let repos: Repositories;
  let cleanup: () => Promise<void>;
  let customerId: string;
  let assetId: string;

  beforeAll(async () => {
    const opened = await target.open();
    cleanup = opened.cleanup;
    repos = repositories(opened.db);
    customerId = (await repos.customers.create({ name: 'Nordic Mills', currency: 'SEK', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } })).id;
    const site = await repos.sites.create({ customerId, name: 'Mill', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `LIM-${target.name}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 12, leadTimeHours: 24 });
    assetId = (await repos.assets.create({ serialNumber: 'LIM-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' })).id;
  });
  afterAll(async () => cleanup?.());

  const input = (currency: string, rate = 5_000) =>
    ContractInput.parse({ ...pbhInput({ rate, escalation: 2, minimumHours: 0, years: 1, assets: 1 }), customerId, assetIds: [assetId], currency });

  it("refuses a contract in another currency than its customer's, saying no exchange rule exists, and writes nothing", async () => {
    const err = await expectAppError(repos.contracts.create(input('EUR')), 'VALIDATION_FAILED');
    expect(err.message).toMatch(/Nordic Mills is billed in SEK, the contract is in EUR/);
    expect(err.message).toMatch(/no exchange rule/);
    expect(await repos.contracts.list({ customerId })).toMatchObject({ items: [] });
    const ok = await repos.contracts.create(input('SEK'));
    expect(ok.currency).toBe('SEK');
  });

  it('refuses an amendment whose terms would overflow billing, and keeps the contract as it was', async () => {
    const contract = (await repos.contracts.list({ customerId })).items[0]!;
    const err = await expectAppError(
      repos.contracts.amend(contract.id, { effectiveFrom: '2026-06-01', terms: { ...input('SEK').terms, ratePerHourMinor: 2 ** 45 } as never }),
      'VALIDATION_FAILED',
    );
    expect(err.message).toContain('terms.ratePerHourMinor');
    expect((await repos.contracts.get(contract.id)).versions).toHaveLength(1);
  });
});
