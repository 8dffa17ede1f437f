import { loadTrainUnits, cmapssFiles } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RulModel, trainRulModel, type TrainingUnit } from '../core/rul/index.js';
import { createRulAdapter } from '../rul-adapter/rul-adapter.js';
import { createRulModelRegistry, type RulModelRegistry } from './registry.js';
import { trainInWorker } from './train-in-worker.js';
import { cmapssTrainingUnits, readingsToCycles, RUL_INPUT_METRICS } from './training-data.js';

const cmapss = cmapssTestData('train_FD001.txt');
const dataDir = cmapss.dir;

const logger = pino({ level: 'silent' });
const SMALL = { ensemble: 1, seed: 7 } as const;
const units1to25 = Array.from({ length: 25 }, (_, i) => i + 1);

/** A C-MAPSS unit as the replay publishes it (simulators/cmapss rowToReading), with a time base. */
function replayReadings(rows: TrainingUnit['rows'], hoursPerCycle: number, extra: (i: number) => Record<string, number> = () => ({})) {
  return rows.map((r, i) => {
    const metrics: Record<string, number | boolean> = { running: true, cycle: i + 1, ...extra(i) };
    r.settings.forEach((v, j) => (metrics[`setting${j + 1}`] = v));
    r.sensors.forEach((v, j) => (metrics[`s${j + 1}`] = v));
    return { assetId: 'a', deviceId: 'd', ts: 1_700_000_000_000 + (i + 1) * hoursPerCycle * 3_600_000, metrics };
  });
}

describe('readingsToCycles', () => {
  const reading = (ts: number, v: number, cycle?: number) => ({
    ts,
    metrics: Object.fromEntries([...RUL_INPUT_METRICS.map((m) => [m, v] as const), ...(cycle === undefined ? [] : [['cycle', cycle] as const])]),
  });
  it('maps one reading per cycle, averages denser readings per hoursPerCycle and skips incomplete ones', () => {
    const h = 3_600_000;
    expect(readingsToCycles([reading(0, 1), reading(h, 2), reading(2 * h, 3)], { hoursPerCycle: 1 }).map((c) => c.sensors[0])).toEqual([1, 2, 3]);
    const dense = [reading(0, 1), reading(0.5 * h, 3), reading(2 * h, 5), reading(2.4 * h, 7), { ts: 2.5 * h, metrics: { s1: 100 } }];
    expect(readingsToCycles(dense, { hoursPerCycle: 2 }).map((c) => c.sensors[0])).toEqual([2, 6]);
    // The replay's cycle counter wins over timestamps.
    expect(readingsToCycles([reading(0, 1, 1), reading(10, 3, 1), reading(20, 5, 2)], { hoursPerCycle: 1 }).map((c) => c.sensors[0])).toEqual([2, 5]);
  });
});

describe.skipIf(!cmapss.available)('RUL training in a worker thread, registry and adapter', () => {
  let db: Db;
  let repos: Repositories;
  let dir: ReturnType<typeof tempDir>;
  let registry: RulModelRegistry;
  let units: TrainingUnit[];
  beforeAll(async () => {
    dir = tempDir();
    db = await openDb({ dataDir: dir.path, logger });
    repos = repositories(db);
    registry = createRulModelRegistry({ repos, logger, cmapssDir: dataDir });
    units = await cmapssTrainingUnits(dataDir, 'FD001', units1to25);
  });
  afterAll(async () => {
    await db?.close();
    dir?.cleanup();
  });

  it('trains in a worker to the same model as in-process, without blocking the event loop', async () => {
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
      ticks++;
    }, 10);
    const progress: number[] = [];
    const started = performance.now();
    let inWorker: RulModel;
    try {
      inWorker = await trainInWorker(units, SMALL, (p) => progress.push(p.round));
    } finally {
      clearInterval(timer);
    }
    const ms = performance.now() - started;
    // The loop kept ticking: at least a third of the possible ticks, no stall over 250 ms.
    expect(ticks).toBeGreaterThan(ms / 10 / 3);
    expect(maxGap).toBeLessThan(250);
    expect(progress.length).toBeGreaterThan(2);

    const inProcess = trainRulModel(units, SMALL);
    const a = inWorker.toJSON();
    const b = inProcess.toJSON();
    expect(a.gbt).toEqual(b.gbt);
    expect(a.validation).toEqual(b.validation);
    const held = (await loadTrainUnits(cmapssFiles(dataDir, 'FD001').train)).filter((u) => u.unit > 90);
    for (const u of held) expect(inWorker.predict(u.rows)).toEqual(inProcess.predict(u.rows));
  }, 120_000);

  it('trains from telemetry history up to known failure times', async () => {
    const all = await loadTrainUnits(cmapssFiles(dataDir, 'FD001').train);
    const byAsset = new Map<string, ReturnType<typeof replayReadings>>();
    const runs = all.slice(30, 36).map((u) => {
      const readings = replayReadings(u.rows, 1).map((r) => ({ ...r, assetId: `ast_${u.unit}` }));
      byAsset.set(`ast_${u.unit}`, readings);
      return { assetId: `ast_${u.unit}`, failedAt: readings.at(-1)!.ts + 3_600_000 };
    });
    const telemetry = {
      queryRange: async (q: { assetId: string; metrics: readonly string[]; from: number; to: number }) =>
        q.metrics.map((metric) => ({
          metric,
          points: (byAsset.get(q.assetId) ?? [])
            .filter((r) => r.ts >= q.from && r.ts < q.to && typeof r.metrics[metric] === 'number')
            .map((r) => ({ ts: r.ts, value: r.metrics[metric] as number })),
        })),
    };
    const reg = createRulModelRegistry({ repos, logger, telemetry, inWorker: false });
    const model = await repos.assetModels.create({ code: 'TF-TEL', name: 'Turbofan', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 86_400, warrantyMonths: 24, leadTimeHours: 72 });
    const rec = await reg.train('TF-TEL', { source: 'telemetry', runs, activate: true, ...SMALL });
    expect(rec).toMatchObject({ version: 1, status: 'active', source: 'telemetry', trainingUnits: 6, trainingRows: all.slice(30, 36).reduce((a, u) => a + u.rows.length, 0) });
    expect(rec.trainingFrom).toBe(byAsset.get('ast_31')![0]!.ts);
    expect(rec.trainingTo).toBe(Math.max(...runs.map((r) => r.failedAt)));
    // The last reading is one cycle before the failure: the targets end at 1, not 0.
    const direct = trainRulModel(
      all.slice(30, 36).map((u) => ({ id: `ast_${u.unit}@x`, rows: u.rows.map((r) => ({ settings: r.settings, sensors: r.sensors })), rulAtEnd: 1 })),
      { ...SMALL, source: 'telemetry' },
    );
    const stored = RulModel.fromJSON(JSON.parse((await repos.rulModels.load(model.id, 1))!.modelJson));
    expect(stored.toJSON().gbt).toEqual(direct.toJSON().gbt);
  }, 60_000);

  it('reports a worker failure as a rejection', async () => {
    await expect(trainInWorker(units.slice(0, 2), SMALL)).rejects.toThrow(/at least 5 units/);
  });

  it('stores versions, serves the active model to the adapter in hours, and switches on activation', async () => {
    const model = await repos.assetModels.create({ code: 'TF-REG', name: 'Turbofan', runningRule: { kind: 'counter', metric: 'operating_hours', unit: 'hours' }, maxGapSeconds: 86_400, warrantyMonths: 24, leadTimeHours: 72 });
    const v1 = await registry.train('TF-REG', { source: 'cmapss', set: 'FD001', units: units1to25, hoursPerCycle: 2, activate: true, ...SMALL });
    expect(v1).toMatchObject({ version: 1, status: 'active', source: 'cmapss:FD001', trainingUnits: 25, hoursPerCycle: 2 });
    expect(v1.metrics.rmse).toBeGreaterThan(3);
    expect(v1.metrics.rmse).toBeLessThan(30);

    const assets = { contextFor: async (assetId: string) => ({ assetId, assetModelId: model.id, assetModelCode: 'TF-REG', leadTimeHours: 72 }) };
    const adapter = createRulAdapter({ registry, assets });
    const replayUnit = (await loadTrainUnits(cmapssFiles(dataDir, 'FD001').train)).find((u) => u.unit === 95)!;
    const window = replayReadings(replayUnit.rows.slice(0, 150), 2);
    const est = await adapter.estimate('ast_x', window);
    const direct = RulModel.fromJSON(JSON.parse((await repos.rulModels.load(model.id, 1))!.modelJson)).predict(replayUnit.rows.slice(0, 150));
    expect(est).toEqual({ hours: direct.rul * 2, lowerHours: direct.lower * 2, upperHours: direct.upper * 2, modelVersion: 'TF-REG@v1' });

    // A restart of the cycle counter (new engine) cuts the window to the current run.
    const restarted = [...replayReadings(replayUnit.rows.slice(0, 40), 2), ...replayReadings(replayUnit.rows.slice(0, 20), 2).map((r) => ({ ...r, ts: r.ts + 1e9 }))];
    const fresh = await adapter.estimate('ast_x', restarted);
    const freshDirect = RulModel.fromJSON(JSON.parse((await repos.rulModels.load(model.id, 1))!.modelJson)).predict(replayUnit.rows.slice(0, 20));
    expect(fresh?.hours).toBeCloseTo(freshDirect.rul * 2, 9);
    expect(await adapter.estimate('ast_x', window.slice(0, 3))).toBeUndefined();

    const v2 = await registry.train(model.id, { source: 'cmapss', set: 'FD001', units: units1to25.slice(5), hoursPerCycle: 1, ...SMALL });
    expect(v2).toMatchObject({ version: 2, status: 'inactive' });
    expect((await adapter.estimate('ast_x', window))?.modelVersion).toBe('TF-REG@v1');
    await registry.activate('TF-REG', 2);
    const afterSwitch = await adapter.estimate('ast_x', window);
    expect(afterSwitch?.modelVersion).toBe('TF-REG@v2');
    // v2 says 1 h per cycle: hours equal cycles.
    const v2direct = RulModel.fromJSON(JSON.parse((await repos.rulModels.load(model.id, 2))!.modelJson)).predict(replayUnit.rows.slice(0, 150));
    expect(afterSwitch?.hours).toBeCloseTo(v2direct.rul, 9);
    // Restore v1.
    await registry.activate(model.id, 1);
    expect((await adapter.estimate('ast_x', window))?.modelVersion).toBe('TF-REG@v1');
    expect((await registry.list('TF-REG')).map((r) => [r.version, r.status])).toEqual([
      [2, 'inactive'],
      [1, 'active'],
    ]);
  }, 120_000);
});
