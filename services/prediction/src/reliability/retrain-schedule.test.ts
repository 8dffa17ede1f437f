import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { waitFor } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRetrainSchedule, type RetrainSchedule } from './retrain-schedule.js';
import { createReliabilityService } from './service.js';
import { recordFailure } from './testing.js';

const logger = pino({ level: 'silent' });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

describe.each(dbTargets())('scheduled reliability retraining on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  let schedule: RetrainSchedule | undefined;
  afterEach(async () => schedule?.stop());

  it('retrains a failure mode once its newest version is older than the schedule, and not before', async () => {
    const r = t.repos;
    const first = (await r.assets.find(await t.newAsset()))!;
    const ids = [first.id];
    for (let i = 1; i < 6; i++) ids.push((await r.assets.create({ serialNumber: `RS-${target.name}-${i}`, assetModelId: first.assetModelId, siteId: first.siteId, commissionedOn: '2026-01-01', status: 'active' })).id);
    for (const [i, d] of [[0, 30], [1, 34], [2, 37], [3, 41]] as const) await recordFailure(r, ids[i]!, 'seal_leak', T0 + d * DAY);
    // A failure mode without failures has nothing to fit and is never scheduled.
    await r.assetModels.update(first.assetModelId, { prediction: { repairRestores: { seal_leak: 'as_good_as_new', bearing_wear: 'as_good_as_new' } } });

    let clock = T0 + 50 * DAY;
    const reliability = createReliabilityService({ repos: r, logger, now: () => clock, cacheMs: 0 });
    const first1 = await reliability.train(first.assetModelId, 'seal_leak');
    expect(first1.status).toBe('trained');
    const versions = async () => (await r.reliability.models.list(first.assetModelId, 'seal_leak')).map((v) => [v.version, v.trigger]);

    schedule = createRetrainSchedule({ reliability, repos: r, logger, everyMs: 7 * DAY, checkEveryMs: 10, now: () => clock });
    // Six days later: not due.
    clock += 6 * DAY;
    expect(await schedule.runDue()).toBe(0);
    expect(await versions()).toEqual([[1, 'manual']]);

    // Running on its timer: once the clock passes a week since v1, a scheduled version appears.
    schedule.start();
    clock += 2 * DAY;
    await waitFor('a scheduled version', async () => (await versions()).length === 2);
    expect(await versions()).toEqual([
      [2, 'schedule'],
      [1, 'manual'],
    ]);
    // And the next one only a week after that.
    clock += DAY;
    expect(await schedule.runDue()).toBe(0);
    expect(await r.reliability.models.list(first.assetModelId, 'bearing_wear')).toEqual([]);
  });
});
