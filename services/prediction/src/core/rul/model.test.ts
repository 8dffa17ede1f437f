import { cmapssFile, loadTrainUnits, type CmapssUnit } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { seededRandom, shuffled } from '@hourmeter/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { rmse } from './metrics.js';
import { RulModel, trainRulModel } from './model.js';

const cmapss = cmapssTestData('train_FD001.txt');
const dataDir = cmapss.dir;

describe.skipIf(!cmapss.available)('RUL model on a subset of FD001', () => {
  let model: RulModel;
  let heldOut: CmapssUnit[];

  beforeAll(async () => {
    const units = shuffled(await loadTrainUnits(cmapssFile(dataDir, 'train_FD001.txt')), seededRandom(11));
    // Units the model never sees, not even for early stopping: the honest check.
    heldOut = units.slice(0, 15);
    model = trainRulModel(
      units.slice(15, 65).map((u) => ({ id: u.unit, rows: u.rows })),
      { gbt: { rounds: 300 }, ensemble: 2 },
    );
  });

  it('reaches a sane RMSE on held-out training units, cut at random points before failure', () => {
    const random = seededRandom(5);
    const predicted: number[] = [];
    const actual: number[] = [];
    for (const u of heldOut) {
      // Several cut points per unit with true RUL 5..125, like test units cut "some time before failure".
      for (let k = 0; k < 5; k++) {
        const rul = 5 + Math.floor(random() * 121);
        const cut = u.rows.length - rul;
        if (cut < 20) continue;
        predicted.push(model.predict(u.rows.slice(0, cut)).rul);
        actual.push(rul);
      }
    }
    expect(predicted.length).toBeGreaterThan(50);
    // Published FD001 results are 11-18 at the last test cycle; a broken pipeline gives 35+.
    expect(rmse(predicted, actual)).toBeLessThan(20);
  });

  it('returns a band around every prediction and records its provenance', () => {
    const p = model.predict(heldOut[0]!.rows.slice(0, 100));
    expect(p.lower).toBeLessThanOrEqual(p.rul);
    expect(p.upper).toBeGreaterThanOrEqual(p.rul);
    expect(p.upper - p.lower).toBeGreaterThan(0);
    const { training, validation, featureNames } = model.metadata;
    expect(training.units).toBe(50);
    expect(training.sensorsKept).toHaveLength(14);
    expect(featureNames.length).toBeGreaterThan(10);
    expect(validation.units).toBe(10);
    expect(validation.bandCoverage).toBeGreaterThan(0.8);
  });

  it('fits on every n-th cycle (rowStride) and still learns, scored on all held-out cycles', async () => {
    const units = shuffled(await loadTrainUnits(cmapssFile(dataDir, 'train_FD001.txt')), seededRandom(11));
    const strided = trainRulModel(
      units.slice(15, 65).map((u) => ({ id: u.unit, rows: u.rows })),
      { gbt: { rounds: 300 }, ensemble: 1, refit: false, rowStride: 4 },
    );
    expect(strided.metadata.validation.rows).toBe(model.metadata.validation.rows);
    const predicted: number[] = [];
    const actual: number[] = [];
    for (const u of heldOut) {
      for (let rul = 10; rul <= 120; rul += 22) {
        if (u.rows.length - rul < 20) continue;
        predicted.push(strided.predict(u.rows.slice(0, u.rows.length - rul)).rul);
        actual.push(rul);
      }
    }
    expect(predicted.length).toBeGreaterThan(50);
    expect(rmse(predicted, actual)).toBeLessThan(20);
  });

  it('serialises to plain JSON and restores to identical predictions', () => {
    const restored = RulModel.fromJSON(JSON.parse(JSON.stringify(model)));
    for (const u of heldOut.slice(0, 5)) expect(restored.predictAll(u.rows)).toEqual(model.predictAll(u.rows));
  });

  it('rejects malformed model JSON', () => {
    const json = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
    expect(() => RulModel.fromJSON({ ...json, kind: 'other' })).toThrow();
    expect(() => RulModel.fromJSON({ ...json, featureNames: ['x'] })).toThrow(/feature names/);
  });
});
