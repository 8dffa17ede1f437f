import { cmapssFile, loadTrainUnits } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { seededRandom } from '@hourmeter/testkit';
import { describe, expect, it } from 'vitest';
import { assignCondition, learnConditions } from './conditions.js';
import { learnNormaliser, normaliseHistory } from './normalise.js';

const cmapss = cmapssTestData('train_FD001.txt', 'train_FD002.txt');
const dataDir = cmapss.dir;

function noisyPoints(centres: number[][], perCentre: number, noise: number, seed = 3): number[][] {
  const random = seededRandom(seed);
  return centres.flatMap((c) => Array.from({ length: perCentre }, () => c.map((v) => v + (random() - 0.5) * noise)));
}

describe('learnConditions', () => {
  it('finds well-separated operating points despite measurement noise', () => {
    const centres = [
      [0, 0, 100],
      [20, 0.7, 100],
      [25, 0.62, 60],
    ];
    const model = learnConditions(noisyPoints(centres, 300, 0.002));
    expect(model.centroids).toHaveLength(3);
    // Each true point maps to its own condition.
    const ids = centres.map((c) => assignCondition(model, c));
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps noise around a single point as one condition', () => {
    expect(learnConditions(noisyPoints([[0, 0, 100]], 1000, 0.01)).centroids).toHaveLength(1);
    expect(learnConditions([[1, 2, 3], [1, 2, 3]]).centroids).toHaveLength(1);
  });
});

describe('learnNormaliser', () => {
  it('drops constant and two-valued sensors and z-scores the rest per condition', () => {
    const rows = [0, 1, 2, 3].map((i) => ({ settings: [0], sensors: [5, i % 2, 10 + i] }));
    const conditions = learnConditions(rows.map((r) => r.settings));
    const norm = learnNormaliser(rows, conditions);
    expect(norm.sensors).toEqual([2]);
    const [s3] = normaliseHistory(norm, conditions, rows);
    const mean = s3!.reduce((a, b) => a + b, 0) / 4;
    const variance = s3!.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    expect(mean).toBeCloseTo(0, 12);
    expect(variance).toBeCloseTo(1, 12);
  });
});

describe.skipIf(!cmapss.available)('on C-MAPSS training data', () => {
  it('finds the 6 operating conditions of FD002, each a single rounded setting combination', async () => {
    const units = await loadTrainUnits(cmapssFile(dataDir, 'train_FD002.txt'));
    const rows = units.flatMap((u) => u.rows);
    const model = learnConditions(rows.map((r) => r.settings));
    expect(model.centroids).toHaveLength(6);
    // Cross-check against rounding (altitude to kft, Mach to 0.01, TRA to integer): same partition.
    const key = (s: readonly number[]) => `${Math.round(s[0]!)}|${Math.round(s[1]! * 100)}|${Math.round(s[2]!)}`;
    const byCondition = new Map<number, Set<string>>();
    for (const r of rows) {
      const c = assignCondition(model, r.settings);
      byCondition.set(c, (byCondition.get(c) ?? new Set()).add(key(r.settings)));
    }
    expect(byCondition.size).toBe(6);
    const keys = [...byCondition.values()].flatMap((s) => [...s]);
    expect(keys).toHaveLength(6);
  });

  it('learns FD001 as one condition and keeps exactly the informative sensors', async () => {
    const units = await loadTrainUnits(cmapssFile(dataDir, 'train_FD001.txt'));
    const rows = units.flatMap((u) => u.rows);
    const conditions = learnConditions(rows.map((r) => r.settings));
    expect(conditions.centroids).toHaveLength(1);
    const kept = learnNormaliser(rows, conditions).sensors.map((k) => `s${k + 1}`);
    // The constant FD001 sensors (docs/domain.md, "The C-MAPSS benchmark"), found from the data rather than hard-coded.
    for (const dropped of ['s1', 's5', 's6', 's10', 's16', 's18', 's19']) expect(kept).not.toContain(dropped);
    expect(kept).toHaveLength(14);
  });
});
