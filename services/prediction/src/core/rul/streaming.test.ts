import { cmapssFile, loadTrainUnits, type CmapssUnit } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { seededRandom, shuffled } from '@hourmeter/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeWindowFeature, type WindowFeature } from './features.js';
import type { RulModel} from './model.js';
import { trainRulModel } from './model.js';
import { createRulStream, streamingFeature } from './streaming.js';

const FEATURES: WindowFeature[] = [
  { kind: 'last' },
  { kind: 'ewma', alpha: 0.1 },
  { kind: 'ewma', alpha: 1 },
  ...[1, 2, 5, 30, 0].flatMap((window) => [
    { kind: 'mean', window } as const,
    { kind: 'std', window } as const,
    { kind: 'slope', window } as const,
  ]),
  ...[1, 3, 20].map((window) => ({ kind: 'drift', window }) as const),
];

describe('streaming window features', () => {
  it('equal the batch features to the last bit at every cycle, for every kind and window', () => {
    const random = seededRandom(3);
    // A drifting, noisy series with a large offset (the case rollingStd centres for).
    const x = Float64Array.from({ length: 400 }, (_, t) => 1500 + 0.05 * t + (random() - 0.5) * 4);
    for (const f of FEATURES) {
      const batch = computeWindowFeature(x, f);
      const live = streamingFeature(f);
      for (let t = 0; t < x.length; t++) {
        const peeked = live.peek(x[t]!);
        expect(peeked, `${JSON.stringify(f)} at t=${t}`).toBe(batch[t]);
        live.push(x[t]!);
      }
    }
  });

  it('peek does not change the state', () => {
    const f = streamingFeature({ kind: 'slope', window: 4 });
    for (const v of [1, 2, 3]) f.push(v);
    const first = f.peek(10);
    f.peek(-50);
    expect(f.peek(10)).toBe(first);
    f.push(4);
    expect(f.peek(5)).toBeCloseTo(1, 12);
  });
});

const cmapss = cmapssTestData('train_FD001.txt');

describe.skipIf(!cmapss.available)('createRulStream on FD001', () => {
  let model: RulModel;
  let replay: CmapssUnit[];

  beforeAll(async () => {
    const units = shuffled(await loadTrainUnits(cmapssFile(cmapss.dir, 'train_FD001.txt')), seededRandom(7));
    replay = units.slice(0, 3);
    model = trainRulModel(
      units.slice(3, 33).map((u) => ({ id: u.unit, rows: u.rows })),
      { gbt: { rounds: 60 }, ensemble: 2, refit: false },
    );
  }, 60_000);

  it('predicts exactly what the batch model predicts after every cycle of a run', () => {
    for (const u of replay) {
      const batch = model.predictAll(u.rows);
      const stream = createRulStream(model);
      u.rows.forEach((row, t) => {
        const live = stream.peek(row);
        expect(live.rul, `unit ${u.unit} cycle ${t + 1}`).toBe(batch[t]!.rul);
        expect(live.lower).toBe(batch[t]!.lower);
        expect(live.upper).toBe(batch[t]!.upper);
        stream.push(row);
      });
      expect(stream.cycles).toBe(u.rows.length);
    }
  });
});
