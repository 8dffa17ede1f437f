import { describe, expect, it } from 'vitest';
import { dbTargets, useDbTarget } from '../testing.js';
import type { DailyTotalInput } from './operating-hours.js';

const H = 3_600_000;
const DAY = '2026-07-01';

describe.each(dbTargets())('operating-hours repository on $name', (target) => {
  const fixture = useDbTarget(target);
  if (!fixture) return;
  const newAsset = () => fixture.newAsset();

  const total = (assetId: string, hours: number): DailyTotalInput => ({
    assetId,
    day: DAY,
    operatingMs: hours * H,
    samples: 10,
    gapMs: 0,
    counterResets: 0,
    firstSampleTs: null,
    lastSampleTs: null,
    settings: '{}',
  });

  it('amends the current version until billing takes a usage record from it, then appends', async () => {
    const assetId = await newAsset();
    await fixture.repos.operatingHours.record(total(assetId, 2));
    await fixture.repos.operatingHours.record(total(assetId, 3), { amend: true });
    expect((await fixture.repos.operatingHours.versions(assetId, DAY)).map((v) => [v.version, v.operatingMs])).toEqual([[1, 3 * H]]);

    await fixture.repos.billing.syncUsage([{ assetId, day: DAY, operatingMs: 3 * H, version: 1 }]);
    const { current } = await fixture.repos.operatingHours.record(total(assetId, 4), { amend: true });
    expect(current?.version).toBe(2);
    // What was billed is still there, unchanged; billing sees version 2 as a change to adjust.
    expect((await fixture.repos.operatingHours.versions(assetId, DAY)).map((v) => [v.version, v.operatingMs])).toEqual([
      [1, 3 * H],
      [2, 4 * H],
    ]);
    // Version 2 is not billed yet: it may still be amended.
    await fixture.repos.operatingHours.record(total(assetId, 5), { amend: true });
    expect((await fixture.repos.operatingHours.versions(assetId, DAY)).map((v) => v.operatingMs)).toEqual([3 * H, 5 * H]);
  });

  it('bills a day as the meter has it when the usage is written, not as it was read before', async () => {
    const assetId = await newAsset();
    await fixture.repos.operatingHours.record(total(assetId, 2));
    const read = await fixture.repos.billing.meterDays([assetId], DAY, DAY);
    // The meter amends version 1 between billing's read and its write.
    await fixture.repos.operatingHours.record(total(assetId, 3), { amend: true });
    await fixture.repos.billing.syncUsage(read);
    const [usage] = await fixture.repos.billing.usageVersions(assetId, DAY);
    expect(usage).toMatchObject({ operatingMs: 3 * H, sourceVersion: 1 });
    expect((await fixture.repos.operatingHours.versions(assetId, DAY)).map((v) => v.operatingMs)).toEqual([3 * H]);
  });

  it('keeps a version billed earlier even when the usage record has moved on', async () => {
    const assetId = await newAsset();
    await fixture.repos.operatingHours.record(total(assetId, 2));
    await fixture.repos.billing.syncUsage([{ assetId, day: DAY, operatingMs: 2 * H, version: 1 }]);
    await fixture.repos.operatingHours.record(total(assetId, 1));
    await fixture.repos.billing.syncUsage([{ assetId, day: DAY, operatingMs: 1 * H, version: 2 }]);
    // Version 1 is referenced only by the usage history now.
    await fixture.repos.operatingHours.record(total(assetId, 1.5), { amend: true });
    expect((await fixture.repos.operatingHours.versions(assetId, DAY)).map((v) => v.operatingMs)).toEqual([2 * H, 1 * H, 1.5 * H]);
  });

  it('writes a usage record once on first sync; a replaced version moves to the history', async () => {
    const assetId = await newAsset();
    const history = async () =>
      (await fixture.db.kysely.selectFrom('usage_record_versions').select(['version', 'operating_ms']).where('asset_id', '=', assetId).execute()).map((r) => [Number(r.version), Number(r.operating_ms)]);
    await fixture.repos.billing.syncUsage([{ assetId, day: DAY, operatingMs: 2 * H, version: 1 }]);
    expect(await history()).toEqual([]);
    expect((await fixture.repos.billing.usageVersions(assetId, DAY)).map((v) => [v.version, v.operatingMs])).toEqual([[1, 2 * H]]);
    await fixture.repos.billing.syncUsage([{ assetId, day: DAY, operatingMs: 3 * H, version: 2 }]);
    await fixture.repos.billing.syncUsage([{ assetId, day: DAY, operatingMs: 4 * H, version: 3 }]);
    expect(await history()).toEqual([
      [1, 2 * H],
      [2, 3 * H],
    ]);
    expect((await fixture.repos.billing.usageVersions(assetId, DAY)).map((v) => [v.version, v.operatingMs, v.sourceVersion])).toEqual([
      [1, 2 * H, 1],
      [2, 3 * H, 2],
      [3, 4 * H, 3],
    ]);
  });

  it('with onlyIfRecorded, updates a recorded day but creates none', async () => {
    const assetId = await newAsset();
    expect(await fixture.repos.operatingHours.record(total(assetId, 0), { onlyIfRecorded: true })).toEqual({ changed: false, current: undefined });
    expect(await fixture.repos.operatingHours.days(assetId, DAY, DAY)).toEqual([]);
    await fixture.repos.operatingHours.record(total(assetId, 6));
    const { changed, current } = await fixture.repos.operatingHours.record({ ...total(assetId, 0), samples: 0 }, { onlyIfRecorded: true });
    expect(changed).toBe(true);
    expect(current).toMatchObject({ version: 2, operatingMs: 0 });
  });
});
