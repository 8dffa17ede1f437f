import { describe, expect, it } from 'vitest';
import { fieldServiceKpis, type FieldFact } from './field-kpis.js';

const H = 3_600_000;
const fact = (o: Partial<FieldFact>): FieldFact => ({
  workOrderId: 'wo_1', kind: 'corrective', technicianId: 'tec_a', technicianName: 'Ana', serviceRegion: 'north', assetModelId: 'mdl_p', assetModelName: 'Pump',
  createdAt: 0, startedAt: H, completedAt: 2 * H, slaDueAt: undefined, firstTimeFix: true, downtimeHours: 1, labourHours: 1, travelHours: 0, revenue: [], ...o,
});

describe('fieldServiceKpis', () => {
  const staff = [
    { id: 'tec_a', name: 'Ana', serviceRegion: 'north', calendarHours: 40 },
    { id: 'tec_b', name: 'Ben', serviceRegion: 'north', calendarHours: 20 },
    { id: 'tec_c', name: 'Cem', serviceRegion: 'south', calendarHours: 40 },
  ];
  const facts = [
    fact({ workOrderId: 'wo_1', revenue: [{ currency: 'EUR', amountMinor: 300_00 }], labourHours: 6, travelHours: 2 }),
    fact({ workOrderId: 'wo_2', technicianId: 'tec_b', technicianName: 'Ben', revenue: [{ currency: 'EUR', amountMinor: 101_00 }, { currency: 'USD', amountMinor: 50_00 }], labourHours: 4 }),
    fact({ workOrderId: 'wo_3', technicianId: undefined, technicianName: undefined, serviceRegion: undefined }),
  ];
  const p = { from: 0, to: 10 * H };

  it('divides a region\'s revenue by the engineers who earned it, per currency, and its worked hours by its calendar hours', () => {
    const north = fieldServiceKpis(facts, 'region', staff, p).find((r) => r.key === 'north')!;
    expect(north.revenue).toEqual([{ currency: 'EUR', amountMinor: 401_00 }, { currency: 'USD', amountMinor: 50_00 }]);
    expect(north.revenuePerEngineer).toEqual([{ currency: 'EUR', amountMinor: 200_50 }, { currency: 'USD', amountMinor: 25_00 }]);
    expect(north.labourUtilisation).toBe(0.2); // (8 + 4) / (40 + 20)
  });

  it('keeps idle technicians (utilisation 0) and orders nobody was assigned, by name', () => {
    const rows = fieldServiceKpis(facts, 'technician', staff, p);
    expect(rows.map((r) => r.name)).toEqual(['Ana', 'Ben', 'Cem', 'Not assigned to a technician']);
    expect(rows.find((r) => r.key === 'tec_c')).toMatchObject({ orders: 0, labourUtilisation: 0, firstTimeFixRate: null });
    expect(rows.find((r) => r.key === 'unassigned')?.calendarHours).toBeNull();
  });

  it("gives regions and models the share of their service requests resolved remotely, and technicians the reason they have none", () => {
    const remote = new Map([
      ['north', { resolved: 3, resolvedRemotely: 1 }],
      ['mdl_p', { resolved: 4, resolvedRemotely: 3 }],
    ]);
    expect(fieldServiceKpis(facts, 'region', staff, p, remote).find((r) => r.key === 'north')?.remoteResolutionShare).toEqual({ value: 0.3333 });
    expect(fieldServiceKpis(facts, 'region', staff, p, remote).find((r) => r.key === 'south')?.remoteResolutionShare).toMatchObject({ value: null, reason: expect.stringMatching(/no service request/) });
    expect(fieldServiceKpis(facts, 'model', staff, p, remote).find((r) => r.key === 'mdl_p')?.remoteResolutionShare).toEqual({ value: 0.75 });
    expect(fieldServiceKpis(facts, 'technician', staff, p, remote)[0]?.remoteResolutionShare).toMatchObject({ value: null, reason: expect.stringMatching(/service desk/) });
  });
});
