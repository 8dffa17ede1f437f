import { describe, expect, it } from 'vitest';
import { buildLives, operatingHoursClock, recentUtilisation, type AssetRecord, type MaintenanceEvent } from './lives.js';
import { fitWeibull } from './weibull.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const at = (day: number, hour = 0) => T0 + day * DAY + hour * 3_600_000;
/** `n` days from 2026-01-01, `hours` each. */
const days = (n: number, hours: number) => Array.from({ length: n }, (_, i) => ({ day: new Date(at(i)).toISOString().slice(0, 10), hours }));

const pump = (id: string, dailyHours: number): AssetRecord => ({ assetId: id, serialNumber: `SN-${id}`, commissionedAt: T0, days: days(100, dailyHours) });

describe('lives from work orders and the hour meter', () => {
  it('a failure ends a life, a preventive replacement censors it, a running asset is censored at the cut-off', () => {
    const assets = [pump('a', 10), pump('b', 20)];
    const events: MaintenanceEvent[] = [
      { assetId: 'a', at: at(30), kind: 'failure', workOrderId: 'wo_1' },
      { assetId: 'a', at: at(50), kind: 'replacement', workOrderId: 'wo_2' },
      { assetId: 'b', at: at(95), kind: 'failure', workOrderId: 'wo_late' }, // after the cut-off
    ];
    const { ageAxis, lives } = buildLives(assets, events, { restoration: 'as_good_as_new', asOf: at(80) });
    expect(ageAxis).toBe('operating_hours');
    expect(lives.map((l) => [l.assetId, l.endedBy, l.failed, Math.round(l.hours), l.startHours])).toEqual([
      ['a', 'failure', true, 300, 0], // 30 days x 10 h
      ['a', 'replacement', false, 200, 0], // renewed at day 30, replaced at day 50
      ['a', 'running', false, 300, 0], // day 50 to day 80
      ['b', 'running', false, 1600, 0], // the failure on day 95 is after the cut-off: nothing after T is used
    ]);
    expect(lives[0]).toMatchObject({ workOrderId: 'wo_1', startAt: T0, endAt: at(30), serialNumber: 'SN-a' });
  });

  it('minimal repair keeps the age across failures; a replacement still renews', () => {
    const events: MaintenanceEvent[] = [
      { assetId: 'a', at: at(20), kind: 'failure' },
      { assetId: 'a', at: at(45), kind: 'failure' },
      { assetId: 'a', at: at(60), kind: 'replacement' },
    ];
    const { lives } = buildLives([pump('a', 10)], events, { restoration: 'minimal_repair', asOf: at(90) });
    expect(lives.map((l) => [l.endedBy, l.startHours, Math.round(l.hours)])).toEqual([
      ['failure', 0, 200],
      ['failure', 200, 450],
      ['replacement', 450, 600],
      ['running', 0, 300],
    ]);
  });

  it('falls back to calendar hours when no asset of the population has hour-meter data', () => {
    const asset: AssetRecord = { assetId: 'c', serialNumber: 'SN-c', commissionedAt: T0, days: [] };
    const { ageAxis, lives } = buildLives([asset], [{ assetId: 'c', at: at(10), kind: 'failure' }], { restoration: 'as_good_as_new', asOf: at(12) });
    expect(ageAxis).toBe('calendar_hours');
    expect(lives.map((l) => l.hours)).toEqual([240, 48]);
  });

  it('the meter clock prorates the day of the instant and ignores days after the cut-off', () => {
    const clock = operatingHoursClock([{ day: '2026-01-02', hours: 12 }, { day: '2026-01-01', hours: 24 }, { day: '2026-01-05', hours: 5 }], at(3));
    expect(clock(at(0, 12))).toBeCloseTo(12, 9);
    expect(clock(at(1, 6))).toBeCloseTo(27, 9);
    expect(clock(at(10))).toBeCloseTo(36, 9); // day 5 is after asOf
    expect(clock(at(-1))).toBe(0);
  });

  it('feeds the Weibull fit: the running lives change the fit against dropping them', () => {
    const assets = Array.from({ length: 6 }, (_, i) => pump(`p${i}`, 10));
    const events: MaintenanceEvent[] = [
      { assetId: 'p0', at: at(20), kind: 'failure' },
      { assetId: 'p1', at: at(35), kind: 'failure' },
      { assetId: 'p2', at: at(50), kind: 'failure' },
    ];
    const { lives } = buildLives(assets, events, { restoration: 'as_good_as_new', asOf: at(90) });
    const withCensored = fitWeibull(lives);
    const failedOnly = fitWeibull(lives.filter((l) => l.failed));
    if (withCensored.status !== 'fitted' || failedOnly.status !== 'fitted') throw new Error('expected fits');
    expect(withCensored.scale).toBeGreaterThan(failedOnly.scale * 1.5);
  });

  it('recent utilisation: operating hours per calendar hour over the window', () => {
    expect(recentUtilisation(days(100, 12), at(90), 30)).toBeCloseTo(0.5, 9);
    expect(recentUtilisation([], at(90))).toBe(0);
  });
});
