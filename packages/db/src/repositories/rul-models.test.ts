import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@hourmeter/runtime';
import { repositories, type Db, type NewRulModel, type Repositories } from '../index.js';
import { dbTargets } from '../testing.js';


const targets = dbTargets();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );
}

const input = (assetModelId: string, rmse: number, extra: Partial<NewRulModel> = {}): NewRulModel => ({
  assetModelId,
  source: 'cmapss:FD001',
  trainingUnits: 80,
  trainingRows: 16_000,
  training: { units: 80, runs: 'all' },
  featureSpec: { cycle: true },
  metrics: { rmse, score: 300, bandCoverage: 0.9, rmseCapped: rmse - 1 },
  hoursPerCycle: 2,
  modelJson: JSON.stringify({ kind: 'x', big: 'y'.repeat(200_000) }),
  ...extra,
});

describe.each(targets)('RUL model registry repository on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let db: Db;
  let repos: Repositories;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ db, cleanup } = await target.open());
    repos = repositories(db);
  });
  afterAll(async () => cleanup?.());

  const newModel = (code: string) =>
    repos.assetModels.create({ code, name: code, runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 600, warrantyMonths: 24, leadTimeHours: 72 });

  it('versions per asset model, one active at a time, and restores an older version', async () => {
    const a = await newModel('RUL-A');
    const b = await newModel('RUL-B');
    const v1 = await repos.rulModels.create(input(a.id, 12), 1000);
    expect(v1).toMatchObject({ version: 1, status: 'inactive', hoursPerCycle: 2, trainingFrom: null, activatedAt: null });
    expect(v1.id).toMatch(/^rlm_/);
    expect(v1.metrics).toMatchObject({ rmse: 12, score: 300, bandCoverage: 0.9, rmseCapped: 11 });
    const v2 = await repos.rulModels.create(input(a.id, 10, { activate: true, trainingFrom: 5, trainingTo: 9, createdBy: 'key_x' }), 2000);
    expect(v2).toMatchObject({ version: 2, status: 'active', activatedAt: 2000, trainingFrom: 5, trainingTo: 9, createdBy: 'key_x' });
    // Versions are numbered per asset model.
    expect((await repos.rulModels.create(input(b.id, 9))).version).toBe(1);
    expect((await repos.rulModels.loadActive(b.id))).toBeUndefined();

    const active = await repos.rulModels.loadActive(a.id);
    expect(active?.version).toBe(2);
    expect(JSON.parse(active!.modelJson).big).toHaveLength(200_000);

    // Restore v1: v2 becomes inactive in the same transaction.
    expect((await repos.rulModels.activate(a.id, 1, 3000)).status).toBe('active');
    const list = await repos.rulModels.list(a.id);
    expect(list.map((r) => [r.version, r.status])).toEqual([
      [2, 'inactive'],
      [1, 'active'],
    ]);
    expect(list[0]).not.toHaveProperty('modelJson');
    expect((await repos.rulModels.loadActive(a.id))?.version).toBe(1);
    // Activating the active one again is harmless.
    await repos.rulModels.activate(a.id, 1);
    expect((await repos.rulModels.list(a.id)).filter((r) => r.status === 'active')).toHaveLength(1);
  });

  it('rejects unknown versions and asset models, and a second active row at the database level', async () => {
    const m = await newModel('RUL-C');
    await repos.rulModels.create(input(m.id, 11, { activate: true }));
    await repos.rulModels.create(input(m.id, 11));
    expect(await codeOf(repos.rulModels.activate(m.id, 7))).toBe('NOT_FOUND');
    // The failed activation rolled back: v1 is still the active one.
    expect((await repos.rulModels.loadActive(m.id))?.version).toBe(1);
    expect(await codeOf(repos.rulModels.create(input('mdl_01JAAAAAAAAAAAAAAAAAAAAAAA', 1)))).toBe('REFERENCE_NOT_FOUND');
    expect(await repos.rulModels.load(m.id, 9)).toBeUndefined();
    await expect(sql`update rul_models set status = 'active' where asset_model_id = ${m.id}`.execute(db.kysely)).rejects.toThrow();
  });

  it('numbers concurrent creations without gaps or duplicates', async () => {
    const m = await newModel('RUL-D');
    const made = await Promise.all([1, 2, 3, 4].map(() => repos.rulModels.create(input(m.id, 10))));
    expect(made.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
  });
});
