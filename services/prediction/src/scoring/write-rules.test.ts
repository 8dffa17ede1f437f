import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import type { RulEstimateRecord } from '@hourmeter/domain';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AlertStore } from '../alerts/ports.js';
import { registryAssetContext } from './asset-context.js';
import { DEFAULT_PREDICTION_CONFIG, type PredictionConfig } from './config.js';
import type { RulEstimator, StoredReading } from './ports.js';
import { createPredictionService } from './prediction-service.js';
import { rulWorthStoring } from './rul-recording.js';
import { compressorReadings } from './testing.js';

const logger = pino({ level: 'silent' });
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

/** The alert store, counting detection writes. */
function counting(store: AlertStore): AlertStore & { detectionWrites: number } {
  const counted = Object.assign(Object.create(store) as AlertStore, { detectionWrites: 0 });
  counted.updateDetection = (id, d) => {
    counted.detectionWrites++;
    return store.updateDetection(id, d);
  };
  counted.updateDetections = (alerts) => {
    counted.detectionWrites += alerts.length;
    return store.updateDetections(alerts);
  };
  return counted;
}

async function feed(svc: { onStored(r: readonly StoredReading[]): Promise<void>; flush(): Promise<void> }, rs: StoredReading[], batch = 100) {
  for (let i = 0; i < rs.length; i += batch) void svc.onStored(rs.slice(i, i + batch));
  await svc.flush();
}

describe.each(dbTargets())('prediction writes on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;

  function service(alerts: AlertStore, config: Partial<PredictionConfig> = {}) {
    return createPredictionService({ alerts, rulEstimates: store!.repos.rulEstimates, assets: registryAssetContext(store!.repos), logger, now: () => T0, config });
  }

  it('writes a running alert when it changes, not for every detection; its last-detected time still arrives', async () => {
    // The same readings on two assets: one service writes every detection, the other follows the write rules.
    const [everyId, ruledId] = [await store.newAsset(), await store.newAsset()];
    const every = counting(store.repos.alerts);
    const ruled = counting(store.repos.alerts);
    const svcEvery = service(every, { alertPeakGrowth: 0, alertRefreshMs: 0 });
    const svcRuled = service(ruled);
    for (const [svc, id] of [[svcEvery, everyId], [svcRuled, ruledId]] as const) {
      await feed(svc, compressorReadings(T0, id, 0, 1500, () => 0, 7));
      // A steady 4-scale step for 3 hours (18 windows), one window per batch (a batch's detections of an alert are one write).
      await feed(svc, compressorReadings(T0, id, 1500, 1680, () => 0.2, 1507), 10);
    }
    const [a] = (await store.repos.alerts.list({ filters: { assetId: everyId } })).items;
    let [b] = (await store.repos.alerts.list({ filters: { assetId: ruledId } })).items;
    expect(every.detectionWrites).toBeGreaterThanOrEqual(12);
    expect(ruled.detectionWrites).toBeLessThanOrEqual(every.detectionWrites / 3);
    expect(b!.severity).toBe(a!.severity);
    expect(b!.raisedAt).toBe(a!.raisedAt);
    // The evidence that raised it (or its peak) is kept, not replaced window after window.
    expect(b!.evidence.windowTo).toBeLessThan(a!.evidence.windowTo);
    expect(b!.lastDetectedAt).toBeLessThan(a!.lastDetectedAt);

    // A person acting on it sees the newest detection.
    const acted = await svcRuled.act(b!.id, 'acknowledge', { actor: 'key_1', reason: 'looking' });
    expect(acted.alert.lastDetectedAt).toBe(a!.lastDetectedAt);

    // Detections pause: the last-detected time is written without waiting for the refresh interval.
    await feed(svcEvery, compressorReadings(T0, everyId, 1680, 1720, () => 0.2, 1687));
    await feed(svcRuled, compressorReadings(T0, ruledId, 1680, 1720, () => 0.2, 1687));
    await feed(svcEvery, compressorReadings(T0, everyId, 1720, 1800, () => 0, 1727));
    await feed(svcRuled, compressorReadings(T0, ruledId, 1720, 1800, () => 0, 1727));
    [b] = (await store.repos.alerts.list({ filters: { assetId: ruledId } })).items;
    const latest = (await store.repos.alerts.get(a!.id)).lastDetectedAt;
    expect(latest).toBeGreaterThan(acted.alert.lastDetectedAt);
    expect(b!.lastDetectedAt).toBe(latest);
  });

  it('stores the RUL estimates that move the trend, within the tolerance of every estimate made', async () => {
    const assetId = await store.newAsset();
    // One estimate per 10-minute window: RUL falls from 40 h by 1 h per hour, with a little jitter.
    const made: { hours: number; stored: boolean }[] = [];
    let writes = 0;
    const rul: RulEstimator = {
      usesWindow: false,
      estimate() {
        const hours = 40 - made.length / 6 + 0.3 * Math.sin(made.length);
        made.push({ hours, stored: false });
        return { hours, lowerHours: hours * 0.8, upperHours: hours * 1.2, modelVersion: 'toy-1', failureMode: 'bearing_wear' };
      },
    };
    const svc = createPredictionService({
      alerts: store.repos.alerts,
      rulEstimates: {
        history: (id, q) => store.repos.rulEstimates.history(id, q),
        async recordMany(es) {
          writes++;
          await store.repos.rulEstimates.recordMany(es);
        },
      },
      assets: registryAssetContext(store.repos),
      logger,
      rul,
      // An estimate every window, whatever its headroom: the rules are checked against every one made.
      config: { rulHeadroomShare: 0 },
    });
    await feed(svc, compressorReadings(T0, assetId, 0, 36 * 60, () => 0));
    const stored = await store.repos.rulEstimates.history(assetId);
    for (const e of made) e.stored = stored.some((s) => s.hours === e.hours);
    expect(made.length).toBeGreaterThan(200);
    expect(made.filter((e) => e.stored)).toHaveLength(stored.length);
    // Batched: one write per scored batch at most.
    expect(writes).toBeLessThanOrEqual(36 * 60 / 100 + 1);
    expect(stored.length).toBeGreaterThan(10);
    expect(stored.length).toBeLessThan(made.length / 4);
    // The stored trend never differs from an estimate made since by more than the tolerance.
    const tol = DEFAULT_PREDICTION_CONFIG.rulRecordChange;
    let trend = made[0]!;
    expect(trend.stored).toBe(true);
    for (const e of made) {
      if (e.stored) trend = e;
      else expect(Math.abs(trend.hours - Math.max(0, e.hours))).toBeLessThanOrEqual(Math.max(tol.hours, tol.share * trend.hours));
    }
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.ts - stored[i - 1]!.ts).toBeLessThanOrEqual(DEFAULT_PREDICTION_CONFIG.rulRecordEveryMs);
  });
});

describe('rulWorthStoring', () => {
  const cfg = { rulRecordChange: { share: 0.1, hours: 1, probability: 0.05 }, rulRecordEveryMs: 6 * HOUR };
  const last: RulEstimateRecord = { assetId: 'ast_1', ts: T0, modelVersion: 'm1', hours: 100, lowerHours: 80, upperHours: 120, failureMode: 'wear', failureProbability: 0.2 };
  const at = (dt: number, change: Partial<RulEstimateRecord> = {}) => ({ ...last, ts: T0 + dt, ...change });

  it('stores the first estimate, a new model or failure mode, and one per interval', () => {
    expect(rulWorthStoring(undefined, last, cfg)).toBe(true);
    expect(rulWorthStoring(last, at(HOUR, { modelVersion: 'm2' }), cfg)).toBe(true);
    expect(rulWorthStoring(last, at(HOUR, { failureMode: 'leak' }), cfg)).toBe(true);
    expect(rulWorthStoring(last, at(6 * HOUR - 1), cfg)).toBe(false);
    expect(rulWorthStoring(last, at(6 * HOUR), cfg)).toBe(true);
  });

  it('stores moves beyond the tolerance of the hours, the band or the probability, and only those', () => {
    expect(rulWorthStoring(last, at(HOUR, { hours: 91 }), cfg)).toBe(false);
    expect(rulWorthStoring(last, at(HOUR, { hours: 89.9 }), cfg)).toBe(true);
    expect(rulWorthStoring(last, at(HOUR, { lowerHours: 70 }), cfg)).toBe(true);
    expect(rulWorthStoring(last, at(HOUR, { upperHours: 135 }), cfg)).toBe(true);
    // Near the end of life the hours floor (1 h) rules, not the share.
    const end = { ...last, hours: 5, lowerHours: 4, upperHours: 6 };
    expect(rulWorthStoring(end, { ...end, ts: T0 + HOUR, hours: 4.2 }, cfg)).toBe(false);
    expect(rulWorthStoring(end, { ...end, ts: T0 + HOUR, hours: 3.9 }, cfg)).toBe(true);
    expect(rulWorthStoring(last, at(HOUR, { failureProbability: 0.24 }), cfg)).toBe(false);
    expect(rulWorthStoring(last, at(HOUR, { failureProbability: 0.26 }), cfg)).toBe(true);
    const { failureProbability: _, ...without } = last;
    expect(rulWorthStoring(last, { ...without, ts: T0 + HOUR }, cfg)).toBe(true);
  });
});
