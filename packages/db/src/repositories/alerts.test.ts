import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@hourmeter/runtime';
import { CustomerInput } from '@hourmeter/domain';
import type { Repositories } from '../index.js';
import { dbTargets, useDbTarget } from '../testing.js';


const targets = dbTargets();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );
}

const evidence = (score: number) => ({ signals: [{ metric: 'vibration_rms', score }], windowFrom: 1, windowTo: 2 });

describe.each(targets)('alert and RUL repositories on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let repos: Repositories;
  beforeAll(async () => {
    ({ repos } = store);
  });

  let n = 0;
  async function fixture() {
    n++;
    const customer = await repos.customers.create(CustomerInput.parse({ name: `C${n}`, currency: 'EUR' }));
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({
      code: `M-${n}-${Math.random().toString(36).slice(2, 6)}`,
      name: 'Pump',
      runningRule: { kind: 'boolean', metric: 'running' },
      maxGapSeconds: 600,
      warrantyMonths: 24,
      leadTimeHours: 72,
    });
    const a = await repos.assets.create({ serialNumber: `SN-${n}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    return { asset: a, model, site };
  }

  it('raises one active alert per asset and failure mode, records every transition, and closes it', async () => {
    const { asset } = await fixture();
    const a = await repos.alerts.raise({ assetId: asset.id, failureMode: 'bearing_wear', severity: 'medium', evidence: evidence(3), modelVersion: 'anomaly-v1', at: 1000, reason: 'raised' });
    expect(a.state).toBe('open');
    expect(await codeOf(repos.alerts.raise({ assetId: asset.id, failureMode: 'bearing_wear', severity: 'low', evidence: evidence(1), modelVersion: 'anomaly-v1', at: 1001, reason: 'again' }))).toBe('CONFLICT');
    // Another failure mode of the same asset is its own alert.
    const other = await repos.alerts.raise({ assetId: asset.id, failureMode: 'insulation', severity: 'low', evidence: evidence(1), modelVersion: 'anomaly-v1', at: 1002, reason: 'raised' });
    expect(other.id).not.toBe(a.id);
    expect((await repos.alerts.findActive(asset.id, 'bearing_wear'))?.id).toBe(a.id);

    const updated = await repos.alerts.updateDetection(a.id, { severity: 'high', evidence: evidence(7), at: 2000 });
    expect(updated).toMatchObject({ severity: 'high', lastDetectedAt: 2000, raisedAt: 1000 });
    expect(updated.evidence.signals[0]!.score).toBe(7);
    expect(await codeOf(repos.alerts.updateDetection('alr_01JAAAAAAAAAAAAAAAAAAAAAAA', { severity: 'high', evidence: evidence(7), at: 2000 }))).toBe('NOT_FOUND');

    // Several at once, each its own values; an unknown id is skipped.
    await repos.alerts.updateDetections([
      { id: other.id, severity: 'medium', evidence: evidence(4), lastDetectedAt: 2_000_000_000_123 },
      { id: 'alr_01JAAAAAAAAAAAAAAAAAAAAAAA', severity: 'low', evidence: evidence(1), lastDetectedAt: 5 },
      { id: a.id, severity: 'critical', evidence: evidence(11), lastDetectedAt: 2050 },
    ]);
    expect(await repos.alerts.get(other.id)).toMatchObject({ severity: 'medium', lastDetectedAt: 2_000_000_000_123, updatedAt: 2_000_000_000_123, raisedAt: 1002, evidence: evidence(4) });
    expect(await repos.alerts.get(a.id)).toMatchObject({ severity: 'critical', lastDetectedAt: 2050, updatedAt: 2050, raisedAt: 1000, evidence: evidence(11) });
    await repos.alerts.updateDetections([]);

    expect(await codeOf(repos.alerts.transition(a.id, { to: 'confirmed', actor: 'key_x', reason: 'r', at: 2100, allowedFrom: ['acknowledged'] }))).toBe('ILLEGAL_TRANSITION');
    await repos.alerts.transition(a.id, { to: 'acknowledged', actor: 'key_x', reason: 'looking', at: 2200, allowedFrom: ['open'] });
    await repos.alerts.linkWorkOrder(a.id, 'wo_01JAAAAAAAAAAAAAAAAAAAAAAA', 2250);
    await repos.alerts.transition(a.id, { to: 'confirmed', actor: 'key_x', reason: 'bearing noise', at: 2300, allowedFrom: ['acknowledged'] });
    const resolved = await repos.alerts.transition(a.id, { to: 'resolved', actor: 'system', reason: 'work order completed', at: 2400, allowedFrom: ['confirmed'] });
    expect(resolved).toMatchObject({ state: 'resolved', closedAt: 2400, workOrderId: 'wo_01JAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(await repos.alerts.findActive(asset.id, 'bearing_wear')).toBeUndefined();
    expect(await repos.alerts.lastClosedAt(asset.id, 'bearing_wear')).toBe(2400);
    expect((await repos.alerts.findActiveOfAsset(asset.id)).map((x) => x.id)).toEqual([other.id]);
    expect(await repos.alerts.lastClosedAtOfAsset(asset.id)).toEqual(new Map([['bearing_wear', 2400]]));
    expect((await repos.alerts.findByWorkOrder('wo_01JAAAAAAAAAAAAAAAAAAAAAAA')).map((x) => x.id)).toEqual([a.id]);

    const history = await repos.alerts.history(a.id);
    expect(history.map((h) => [h.from, h.to, h.actor])).toEqual([
      [null, 'open', 'system'],
      ['open', 'acknowledged', 'key_x'],
      ['acknowledged', 'confirmed', 'key_x'],
      ['confirmed', 'resolved', 'system'],
    ]);
    expect(history[2]!.reason).toBe('bearing noise');
    // Once resolved, a new alert may be raised for the same failure mode.
    const next = await repos.alerts.raise({ assetId: asset.id, failureMode: 'bearing_wear', severity: 'low', evidence: evidence(2), modelVersion: 'anomaly-v1', at: 3000, reason: 'raised' });
    expect(next.id).not.toBe(a.id);
  });

  it('lists with filters and cursor pages, newest first', async () => {
    const x = await fixture();
    const y = await fixture();
    const ids: string[] = [];
    for (const [i, fm] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      ids.push((await repos.alerts.raise({ assetId: x.asset.id, failureMode: fm, severity: i % 2 ? 'high' : 'low', evidence: evidence(i), modelVersion: 'v', at: 5000 + i, reason: 'r' })).id);
    }
    await repos.alerts.raise({ assetId: y.asset.id, failureMode: 'a', severity: 'high', evidence: evidence(1), modelVersion: 'v', at: 6000, reason: 'r' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repos.alerts.list({ limit: 2, cursor, filters: { assetModelId: x.model.id } });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const high = await repos.alerts.list({ filters: { siteId: x.site.id, severity: 'high' } });
    expect(high.items.map((i) => i.failureMode).sort()).toEqual(['b', 'd']);
    expect((await repos.alerts.list({ filters: { assetId: y.asset.id } })).items).toHaveLength(1);
  });

  it('reports precision per model version from confirmations and dismissals', async () => {
    const { asset } = await fixture();
    const outcome = async (fm: string, version: string, to: 'confirmed' | 'dismissed') => {
      const a = await repos.alerts.raise({ assetId: asset.id, failureMode: fm, severity: 'low', evidence: evidence(1), modelVersion: version, at: 7000, reason: 'r' });
      await repos.alerts.transition(a.id, { to: 'acknowledged', actor: 'k', reason: 'r', at: 7001, allowedFrom: ['open'] });
      await repos.alerts.transition(a.id, { to, actor: 'k', reason: 'r', at: 7002, allowedFrom: ['acknowledged'] });
    };
    const before = await repos.alerts.precision();
    const base = (v: string) => before.find((p) => p.modelVersion === v) ?? { confirmed: 0, dismissed: 0 };
    await outcome('p1', 'prec-A', 'confirmed');
    await outcome('p2', 'prec-A', 'confirmed');
    await outcome('p3', 'prec-A', 'dismissed');
    await outcome('p4', 'prec-B', 'dismissed');
    const after = await repos.alerts.precision();
    const a = after.find((p) => p.modelVersion === 'prec-A')!;
    expect(a.confirmed - base('prec-A').confirmed).toBe(2);
    expect(a.dismissed - base('prec-A').dismissed).toBe(1);
    expect(a.precision).toBeCloseTo(2 / 3);
    expect(after.find((p) => p.modelVersion === 'prec-B')).toMatchObject({ confirmed: 0, dismissed: 1, precision: 0 });
  });

  it('keeps the raise evidence when later detections replace the evidence', async () => {
    const { asset } = await fixture();
    const a = await repos.alerts.raise({ assetId: asset.id, failureMode: 'seal_leak', severity: 'low', evidence: evidence(3), modelVersion: 'anomaly-v1', at: 1000, reason: 'raised' });
    await repos.alerts.updateDetection(a.id, { severity: 'high', evidence: evidence(9), at: 2000 });
    const later = await repos.alerts.get(a.id);
    expect(later.evidence.signals[0]!.score).toBe(9);
    expect(later.raiseEvidence?.signals[0]!.score).toBe(3);
    expect(later.raisedAt).toBe(1000);
  });

  it('assigns an alert to an existing person only, and hides a snoozed alert from awake lists until the instant passes', async () => {
    const { asset, model } = await fixture();
    const user = await repos.users.create({ name: `Eng ${n}`, email: `eng${n}-${Math.random().toString(36).slice(2, 6)}@example.com`, role: 'engineer', passwordHash: 'x' });
    const a = await repos.alerts.raise({ assetId: asset.id, failureMode: 'overheat', severity: 'medium', evidence: evidence(3), modelVersion: 'anomaly-v1', at: 1000, reason: 'raised' });
    expect((await repos.alerts.assign(a.id, user.id, 1100)).assigneeId).toBe(user.id);
    expect(await codeOf(repos.alerts.assign(a.id, 'usr_01JAAAAAAAAAAAAAAAAAAAAAAA', 1200))).toBe('NOT_FOUND');
    expect((await repos.alerts.get(a.id)).assigneeId).toBe(user.id);
    expect((await repos.alerts.assign(a.id, null, 1300)).assigneeId).toBeUndefined();
    expect(await codeOf(repos.alerts.snooze('alr_01JAAAAAAAAAAAAAAAAAAAAAAA', 5000, 1300))).toBe('NOT_FOUND');

    expect((await repos.alerts.snooze(a.id, 5000, 1400)).snoozedUntil).toBe(5000);
    const ids = async (awakeAt?: number) => (await repos.alerts.list({ filters: { assetModelId: model.id, ...(awakeAt === undefined ? {} : { awakeAt }) } })).items.map((x) => x.id);
    expect(await ids(4999)).toEqual([]);
    expect(await ids(5000)).toEqual([a.id]);
    expect(await ids()).toEqual([a.id]);
    await repos.alerts.snooze(a.id, null, 1500);
    expect(await ids(1500)).toEqual([a.id]);
  });

  it('stores RUL estimates idempotently and returns them oldest first', async () => {
    const { asset } = await fixture();
    for (const ts of [300, 100, 200]) {
      await repos.rulEstimates.record({ assetId: asset.id, ts, modelVersion: 'rul-1', hours: ts / 10, lowerHours: ts / 20, upperHours: ts / 5 });
    }
    await repos.rulEstimates.record({ assetId: asset.id, ts: 200, modelVersion: 'rul-1', hours: 999, lowerHours: 1, upperHours: 1000 });
    const all = await repos.rulEstimates.history(asset.id);
    expect(all.map((e) => [e.ts, e.hours])).toEqual([
      [100, 10],
      [200, 20],
      [300, 30],
    ]);
    expect((await repos.rulEstimates.history(asset.id, { from: 150, to: 300 })).map((e) => e.ts)).toEqual([200]);
    expect((await repos.rulEstimates.history(asset.id, { limit: 2 })).map((e) => e.ts)).toEqual([200, 300]);

    // Many at once, across the 1,000-row statements, duplicates (of the store and of the batch) ignored.
    const many = Array.from({ length: 2_100 }, (_, i) => ({ assetId: asset.id, ts: 1_000 + (i % 2_050), modelVersion: 'rul-2', hours: i, lowerHours: i, upperHours: i, failureMode: 'wear', failureProbability: 0.5 }));
    await repos.rulEstimates.recordMany([...many, { ...many[0]!, ts: 300, modelVersion: 'rul-1', hours: 1 }]);
    await repos.rulEstimates.recordMany([]);
    const stored = await repos.rulEstimates.history(asset.id, { from: 1_000, limit: 5_000 });
    expect(stored).toHaveLength(2_050);
    expect(stored[0]).toMatchObject({ ts: 1_000, hours: 0, failureMode: 'wear', failureProbability: 0.5 });
    expect((await repos.rulEstimates.history(asset.id, { to: 1_000 })).map((e) => [e.ts, e.hours])).toEqual([
      [100, 10],
      [200, 20],
      [300, 30],
    ]);
  });
});
