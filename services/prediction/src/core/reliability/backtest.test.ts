import { describe, expect, it } from 'vitest';
import { backtestWeibull, defaultSplit, scoreWeibull, type BacktestInput } from './backtest.js';
import { buildLives, type AssetRecord, type MaintenanceEvent } from './lives.js';
import { fitWeibull } from './weibull.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const at = (day: number) => T0 + day * DAY;
const days = (n: number, hours: number) => Array.from({ length: n }, (_, i) => ({ day: new Date(at(i)).toISOString().slice(0, 10), hours }));

/** 12 pumps running 20 h a day for 400 days; failures spread over the period. */
function fleet(): { assets: AssetRecord[]; events: MaintenanceEvent[] } {
  const assets = Array.from({ length: 12 }, (_, i) => ({ assetId: `a${i}`, serialNumber: `SN${i}`, commissionedAt: T0, days: days(400, 20) }));
  const failureDays = [[60, 190, 330], [90, 250], [120], [150, 300], [], [210], [45, 170, 280, 390], [], [230], [100, 360], [], [310]];
  const events = failureDays.flatMap((ds, i) => ds.map((d) => ({ assetId: `a${i}`, at: at(d), kind: 'failure' as const })));
  return { assets, events };
}

describe('time-split backtest', () => {
  it('uses nothing recorded after T for training: changing everything after T changes the scores, never the fit', () => {
    const { assets, events } = fleet();
    const input: BacktestInput = { assets, events, restoration: 'as_good_as_new', splitAt: at(200), endAt: at(400), leadTimeHours: 500 };
    const base = backtestWeibull(input);
    // The same history up to T, a different one after it: more failures, other hour-meter days.
    const altered: BacktestInput = {
      ...input,
      assets: assets.map((a) => ({ ...a, days: a.days.map((d) => (d.day >= '2026-07-20' ? { ...d, hours: 3 } : d)) })),
      events: [...events.filter((e) => e.at <= at(200)), ...assets.map((a, i) => ({ assetId: a.assetId, at: at(205 + i * 10), kind: 'failure' as const }))],
    };
    const other = backtestWeibull(altered);
    expect(other.trainingLives).toEqual(base.trainingLives);
    expect(other.trainingFit).toEqual(base.trainingFit);
    expect(other.figures!.rulRmseHours).not.toBeCloseTo(base.figures!.rulRmseHours!, 0);
    // And the fit is exactly the one of the records cut at T.
    const cut = buildLives(
      assets.map((a) => ({ ...a, days: a.days.filter((d) => d.day < '2026-07-20') })),
      events.filter((e) => e.at <= at(200)),
      { restoration: 'as_good_as_new', asOf: at(200) },
    );
    expect(base.trainingFit).toEqual(fitWeibull(cut.lives));
    expect(base.figures).toMatchObject({ failuresAfterSplit: 9 });
    expect(base.figures!.rulPoints).toBeGreaterThan(20);
  });

  it('scores fixed parameters against hand-computed figures', () => {
    // One asset, 24 h a day, fails on day 50; scored once at day 40: age 960 h, 240 h really remained.
    // Exponential (shape 1, scale 1000): median residual life 1000 ln 2 = 693.15 h at any age.
    const asset: AssetRecord = { assetId: 'x', serialNumber: 'X', commissionedAt: T0, days: days(60, 24) };
    const input: BacktestInput = { assets: [asset], events: [{ assetId: 'x', at: at(50), kind: 'failure' }], restoration: 'as_good_as_new', splitAt: at(40), endAt: at(60), leadTimeHours: 300, stepMs: 100 * DAY };
    const f = scoreWeibull({ shape: 1, scale: 1000 }, input, 'operating_hours');
    expect(f.rulPoints).toBe(1);
    expect(f.rulRmseHours).toBeCloseTo(1000 * Math.LN2 - 240, 6);
    // d = 453.15 h in tenths of the 300 h lead time = 15.105 -> e^(15.105/10) - 1.
    expect(f.phmScore).toBeCloseTo(Math.exp((1000 * Math.LN2 - 240) / 30 / 10) - 1, 6);
    // Band 10 %..90 %: 105.4 h .. 2302.6 h holds 240 h.
    expect(f.bandCoverage).toBe(1);
    // P(fail within 300 h) = 1 - e^-0.3 = 0.26: not flagged at 0.5 -> a missed failure.
    expect(f).toMatchObject({ leadPoints: 1, precision: null, recall: 0 });
    expect(scoreWeibull({ shape: 1, scale: 1000 }, { ...input, threshold: 0.25 }, 'operating_hours')).toMatchObject({ precision: 1, recall: 1 });
    // Held-out likelihood: the life is at 960 h at T and fails at 1200 h: ln(1/1000) - (1200 - 960)/1000.
    expect(f.livesAfterSplit).toBe(2); // the failed life and the new one running since day 50 (240 h, censored)
    expect(f.logLikelihoodPerLife).toBeCloseTo((Math.log(1 / 1000) - 0.24 - 0.24) / 2, 9);
  });

  it('a censored life is never a failure: scored only once it outlived a lead time', () => {
    const asset: AssetRecord = { assetId: 'y', serialNumber: 'Y', commissionedAt: T0, days: days(60, 24) };
    const input: BacktestInput = { assets: [asset], events: [], restoration: 'as_good_as_new', splitAt: at(40), endAt: at(60), leadTimeHours: 300, stepMs: 5 * DAY, threshold: 0 };
    const f = scoreWeibull({ shape: 1, scale: 1000 }, input, 'operating_hours');
    // Instants at days 40, 45 are followed by >= 300 h of observed running (negatives, flagged at threshold 0: false positives);
    // days 50, 55 are censored less than 300 h later: unknown, not scored.
    expect(f).toMatchObject({ rulPoints: 0, rulRmseHours: null, leadPoints: 2, precision: 0, recall: null });
  });

  it('default split: just after 70 % of the failures, with failures left on both sides', () => {
    const { events } = fleet();
    const t = defaultSplit(events, at(400))!;
    const before = events.filter((e) => e.at < t).length;
    expect(before).toBe(12); // 17 failures: the 12th (day 280) is the last before T
    expect(events.length - before).toBe(5);
    expect(defaultSplit(events.slice(0, 2), at(400))).toBeUndefined();
  });
});
