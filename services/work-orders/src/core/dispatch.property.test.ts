import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificationFor, planDay, refusal, travel, workingIntervals, type DispatchJob, type DispatchTechnician, type Interval } from './dispatch.js';

const DAY0 = Date.parse('2026-03-02T00:00:00Z'); // a Monday
const H = 3_600_000;
const MODELS = ['mdl_A', 'mdl_B', 'mdl_C'];

const point = fc.record({ lat: fc.double({ min: 47, max: 55, noNaN: true }), lon: fc.double({ min: 6, max: 15, noNaN: true }) });
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

const technician = (i: number) =>
  fc
    .record({
      home: point,
      startMin: fc.integer({ min: 0, max: 12 * 60 }),
      lengthMin: fc.integer({ min: 60, max: 11 * 60 }),
      models: fc.subarray(MODELS, { minLength: 0 }),
      expired: fc.boolean(),
      absences: fc.array(fc.tuple(fc.integer({ min: 0, max: 23 * 60 }), fc.integer({ min: 15, max: 8 * 60 })), { maxLength: 2 }),
      active: fc.boolean(),
    })
    .map(
      (r): DispatchTechnician => ({
        id: `tec_${i}`,
        name: `T${i}`,
        home: r.home,
        active: r.active || i === 0,
        calendar: { weekly: [{ weekday: 1, from: hhmm(r.startMin), to: hhmm(Math.min(24 * 60, r.startMin + r.lengthMin)) }] },
        certifications: r.models.map((m) => ({ assetModelId: m, certification: 'cert', ...(r.expired ? { validUntil: '2026-03-01' } : {}) })),
        absences: r.absences.map(([s, len]): Interval => [DAY0 + s * 60_000, DAY0 + (s + len) * 60_000]),
      }),
    );

const job = (i: number) =>
  fc
    .record({
      kind: fc.constantFrom('corrective', 'preventive', 'inspection'),
      model: fc.constantFrom(...MODELS),
      site: fc.option(point, { nil: undefined }),
      sla: fc.option(fc.integer({ min: 0, max: 30 * 60 }), { nil: undefined }),
    })
    .map((r): DispatchJob => ({ workOrderId: `wo_${String(i).padStart(4, '0')}`, kind: r.kind, assetModelId: r.model, site: r.site, slaDueAt: r.sla === undefined ? undefined : DAY0 + r.sla * 60_000 }));

const world = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 40 }))
  .chain(([nt, nj]) => fc.tuple(fc.tuple(...Array.from({ length: nt }, (_, i) => technician(i))), fc.tuple(...Array.from({ length: nj }, (_, i) => job(i)))));

describe('planDay invariants (fast-check)', () => {
  it('never overlaps jobs, never plans an absent, off-calendar, inactive or uncertified technician, travel >= 0, each order at most once', () => {
    fc.assert(
      fc.property(world, ([techs, jobs]) => {
        const period: Interval = [DAY0, DAY0 + 24 * H];
        const { plans, unplanned } = planDay(techs, [], jobs, period);
        const seen = new Set<string>();
        for (const [techId, planned] of plans) {
          const t = techs.find((x) => x.id === techId)!;
          const byStart = [...planned].sort((a, b) => a.start - b.start);
          for (const [i, p] of byStart.entries()) {
            expect(seen.has(p.workOrderId)).toBe(false);
            seen.add(p.workOrderId);
            expect(p.travelMinutes).toBeGreaterThanOrEqual(0);
            expect(p.travelKm).toBeGreaterThanOrEqual(0);
            expect(p.end).toBeGreaterThan(p.start);
            const source = jobs.find((j) => j.workOrderId === p.workOrderId)!;
            // The assignment check the API applies accepts every planned job.
            expect(refusal(t, source, [p.start, p.end], byStart.filter((o) => o !== p).map((o): Interval => [o.start, o.end]))).toBeUndefined();
            for (const [as, ae] of t.absences) expect(p.end <= as || p.start >= ae).toBe(true);
            const prev = byStart[i - 1];
            if (prev) expect(p.start).toBeGreaterThanOrEqual(prev.end + p.travelMinutes * 60_000);
          }
        }
        // Every order is planned or said unplanned, never both.
        for (const u of unplanned) expect(seen.has(u.workOrderId)).toBe(false);
        expect(seen.size + unplanned.length).toBe(jobs.length);
      }),
      { numRuns: 150 },
    );
  });

  it('an order some active technician could take in an empty day is not left unplanned when only that order is planned', () => {
    fc.assert(
      fc.property(world, ([techs, jobs]) => {
        const period: Interval = [DAY0, DAY0 + 24 * H];
        for (const j of jobs.slice(0, 5)) {
          const { unplanned } = planDay(techs, [], [j], period);
          const someoneFits = techs.some((t) => {
            if (!t.active || certificationFor(t, j.assetModelId, DAY0)) return false;
            const need = (j.kind === 'corrective' ? 180 : j.kind === 'preventive' ? 120 : 60) * 60_000 + travel(t.home, j.site).minutes * 60_000;
            return workingIntervals(t.calendar, ...period).some(([s, e]) => e - s >= need && !t.absences.some(([as, ae]) => as < e && ae > s));
          });
          if (someoneFits) expect(unplanned).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('refusal', () => {
  const t: DispatchTechnician = {
    id: 'tec_1', name: 'Ana', home: { lat: 50, lon: 8 }, active: true,
    calendar: { weekly: [{ weekday: 1, from: '08:00', to: '16:00' }] },
    certifications: [{ assetModelId: 'mdl_A', certification: 'A-1', validUntil: '2026-03-02' }],
    absences: [[DAY0 + 12 * H, DAY0 + 13 * H]],
  };
  it('names the reason with a stable code', () => {
    expect(refusal(t, { assetModelId: 'mdl_B' }, [DAY0 + 9 * H, DAY0 + 10 * H])?.code).toBe('TECHNICIAN_NOT_CERTIFIED');
    expect(refusal(t, { assetModelId: 'mdl_A' }, [DAY0 + 9 * H + 86_400_000, DAY0 + 10 * H + 86_400_000])?.message).toMatch(/expired on 2026-03-02/);
    expect(refusal(t, { assetModelId: 'mdl_A' }, [DAY0 + 11 * H, DAY0 + 12.5 * H])?.code).toBe('TECHNICIAN_ABSENT');
    expect(refusal(t, { assetModelId: 'mdl_A' }, [DAY0 + 15 * H, DAY0 + 17 * H])?.code).toBe('TECHNICIAN_OFF_CALENDAR');
    expect(refusal(t, { assetModelId: 'mdl_A' }, [DAY0 + 9 * H, DAY0 + 10 * H], [[DAY0 + 9.5 * H, DAY0 + 11 * H]])?.code).toBe('TECHNICIAN_UNAVAILABLE');
    expect(refusal({ ...t, active: false }, { assetModelId: 'mdl_A' }, [DAY0 + 9 * H, DAY0 + 10 * H])?.code).toBe('TECHNICIAN_UNAVAILABLE');
    expect(refusal(t, { assetModelId: 'mdl_A' }, [DAY0 + 9 * H, DAY0 + 10 * H])).toBeUndefined();
  });
  it('merges a night shift over midnight into one working interval', () => {
    const night = { weekly: [{ weekday: 1, from: '20:00', to: '24:00' }, { weekday: 2, from: '00:00', to: '04:00' }] };
    expect(workingIntervals(night, DAY0, DAY0 + 2 * 86_400_000)).toEqual([[DAY0 + 20 * H, DAY0 + 28 * H]]);
  });
  it('drives at the assumed road speed: 50 km is an hour', () => {
    // 0.4497 degrees of latitude is 50 km on the haversine sphere.
    expect(travel({ lat: 50, lon: 8 }, { lat: 50.44966, lon: 8 }).minutes).toBe(60);
    expect(travel(undefined, { lat: 50, lon: 8 })).toEqual({ km: 0, minutes: 0 });
  });
});
