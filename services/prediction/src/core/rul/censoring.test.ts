import { cmapssFile, loadTrainUnits } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { describe, expect, it } from 'vitest';
import { rmse } from './metrics.js';
import { knownTargetRows, targets, trainRulModel, type TrainingUnit } from './model.js';
import { seededRandom, shuffled } from '@hourmeter/domain';

const cmapss = cmapssTestData('train_FD001.txt');

const row = { settings: [0], sensors: [1] };

describe('censored lives in RUL training', () => {
  it('a censored unit only trains on cycles at least a cap before its last row, at the cap', () => {
    const rows = Array.from({ length: 200 }, () => row);
    expect(knownTargetRows({ id: 1, rows }, 125)).toBe(200);
    expect(Array.from(targets({ id: 1, rows }, 125).slice(195))).toEqual([4, 3, 2, 1, 0]);
    // Still running after 200 cycles: its first 75 cycles had more than 125 left, whatever comes next.
    expect(knownTargetRows({ id: 2, rows, censored: true }, 125)).toBe(75);
    expect(Array.from(new Set(targets({ id: 2, rows, censored: true }, 125)))).toEqual([125]);
    expect(knownTargetRows({ id: 3, rows: rows.slice(0, 100), censored: true }, 125)).toBe(0);
  });

  it.skipIf(!cmapss.available)('censored lives are not failures: treating them as failures predicts too early', async () => {
    const units = shuffled(await loadTrainUnits(cmapssFile(cmapss.dir, 'train_FD001.txt')), seededRandom(21));
    const heldOut = units.slice(0, 12);
    const failed: TrainingUnit[] = units.slice(12, 32).map((u) => ({ id: u.unit, rows: u.rows }));
    // Twenty more units still running: cut 40-120 cycles before their failure.
    const random = seededRandom(3);
    const running = units.slice(32, 52).map((u) => ({ id: u.unit, rows: u.rows.slice(0, u.rows.length - 40 - Math.floor(random() * 80)) }));
    const opts = { gbt: { rounds: 150 }, ensemble: 1, refit: false, seed: 4 };
    const honest = trainRulModel([...failed, ...running.map((u) => ({ ...u, censored: true }))], opts);
    const naive = trainRulModel([...failed, ...running], opts);
    expect(honest.metadata.training.units).toBe(40);
    // Fitting on every third cycle keeps a censored life with no known-target cycle out (it once overran the matrix).
    const short = { id: 'short', rows: units[52]!.rows.slice(0, 100), censored: true };
    expect(trainRulModel([...failed, short, ...running.map((u) => ({ ...u, censored: true }))], { ...opts, rowStride: 3 }).metadata.training.units).toBe(41);

    const cut = seededRandom(9);
    const truth: number[] = [];
    const pHonest: number[] = [];
    const pNaive: number[] = [];
    for (const u of heldOut) {
      for (let k = 0; k < 4; k++) {
        const rul = 5 + Math.floor(cut() * 121);
        if (u.rows.length - rul < 20) continue;
        const history = u.rows.slice(0, u.rows.length - rul);
        truth.push(rul);
        pHonest.push(honest.predict(history).rul);
        pNaive.push(naive.predict(history).rul);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Taking "still running" as "failed" pulls predictions down (too early) and costs accuracy.
    expect(mean(pNaive)).toBeLessThan(mean(pHonest) - 5);
    expect(rmse(pHonest, truth)).toBeLessThan(rmse(pNaive, truth));
  }, 240_000);
});
