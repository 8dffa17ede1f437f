import { AppError } from '@hourmeter/runtime';
import { describe, expect, it } from 'vitest';
import { allocateCost, inWarranty, type AllocationInput } from './allocation.js';

const rates = { labourRatePerHourMinor: 85_00, travelRatePerHourMinor: 60_00, currency: 'EUR' };
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const base: AllocationInput = {
  failureAt: Date.parse('2027-01-31T23:00:00Z'),
  warrantyEndsOn: '2027-01-31',
  department: 'production',
  parts: [
    { quantity: 2, unitCost: eur(12_50) },
    { quantity: 1, unitCost: eur(100_00) },
  ],
  labourHours: 1.5,
  travelHours: 2,
  productionBatchId: 'bat_1',
};

describe('warranty and cost allocation', () => {
  it('costs parts + labour + travel in minor units', () => {
    const a = allocateCost(base, rates);
    // parts 2 x 12.50 + 100.00 = 125.00; labour 1.5 h x 85.00 = 127.50; travel 2 h x 60.00 = 120.00
    expect(a.partsCost).toEqual(eur(125_00));
    expect(a.labourCost).toEqual(eur(127_50));
    expect(a.travelCost).toEqual(eur(120_00));
    expect(a.totalCost).toEqual(eur(372_50));
  });

  it('charges an in-warranty quality defect to the batch reserve', () => {
    for (const department of ['design', 'production', 'purchasing'] as const) {
      expect(allocateCost({ ...base, department }, rates)).toMatchObject({ inWarranty: true, chargedTo: 'quality_reserve', productionBatchId: 'bat_1' });
    }
  });

  it('charges other in-warranty causes, and quality defects of batch-less units, to sales', () => {
    for (const department of ['logistics', 'installation', 'customer_use', 'none'] as const) {
      expect(allocateCost({ ...base, department }, rates).chargedTo).toBe('sales');
    }
    expect(allocateCost({ ...base, productionBatchId: undefined }, rates).chargedTo).toBe('sales');
  });

  it('charges out-of-warranty repairs to a covering contract, else the customer', () => {
    const late = { ...base, failureAt: Date.parse('2027-02-01T00:00:00Z') };
    expect(allocateCost(late, rates)).toMatchObject({ inWarranty: false, chargedTo: 'customer' });
    expect(allocateCost({ ...late, coveringContractId: 'ctr_1' }, rates)).toMatchObject({ inWarranty: false, chargedTo: 'contract', contractId: 'ctr_1' });
  });

  it('judges warranty on the UTC day, last day included', () => {
    expect(inWarranty(Date.parse('2027-01-31T23:59:59Z'), '2027-01-31')).toBe(true);
    expect(inWarranty(Date.parse('2027-02-01T00:00:00Z'), '2027-01-31')).toBe(false);
  });

  it('refuses parts priced in another currency', () => {
    expect(() => allocateCost({ ...base, parts: [{ quantity: 1, unitCost: { amountMinor: 1, currency: 'USD' } }] }, rates)).toThrow(AppError);
  });
});
