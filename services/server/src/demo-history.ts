import type { Repositories } from '@hourmeter/db';
import { seededRandom, type AssetModel } from '@hourmeter/domain';
import type { ReliabilityService } from '@hourmeter/prediction';
import type { Logger } from '@hourmeter/runtime';
import { demoFailureMode } from './demo-catalogue.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Weibull lives of the demo's components, in operating hours (wear-out: shape > 1). */
const LIFE = { shape: 2.2, scale: 2_400 };

const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10);

export interface DemoHistoryResult {
  days: number;
  failures: number;
  models: { assetModel: string; failureMode: string; status: string }[];
}

/**
 * A deterministic past for the demo fleet, so every demo asset has a RUL and
 * a failure probability within minutes of the first start: the hour meter's
 * daily totals since commissioning (18-22 h a day per asset) and, per failure
 * mode of each product line, component lives drawn from a wear-out Weibull,
 * each failure a completed corrective work order (a new component, as good as
 * new), coded from the demo's failure-code catalogue. The past ends where
 * the simulated devices' telemetry begins (`telemetryFrom`, a UTC midnight),
 * so the hour meter has one source per day. Then the reliability model of
 * each product line and failure mode is trained on it. Runs once, when the
 * demo fleet is first loaded.
 */
export async function seedDemoHistory(deps: {
  repos: Pick<Repositories, 'assets' | 'assetModels' | 'operatingHours' | 'historyImport'>;
  reliability: Pick<ReliabilityService, 'train'>;
  assetIds: readonly string[];
  now: number;
  /** The first day the simulated devices report (UTC midnight): the seeded past ends the day before. */
  telemetryFrom: number;
  logger: Logger;
}): Promise<DemoHistoryResult> {
  const log = deps.logger.child({ svc: 'demo-history' });
  const random = seededRandom(15);
  const lastDay = Math.min(Math.floor(deps.now / DAY_MS), Math.floor(deps.telemetryFrom / DAY_MS)) * DAY_MS - DAY_MS;
  const models = new Map<string, AssetModel>();
  let days = 0;
  const orders = [];
  for (const [n, assetId] of deps.assetIds.entries()) {
    const asset = (await deps.repos.assets.find(assetId))!;
    const model = models.get(asset.assetModelId) ?? (await deps.repos.assetModels.find(asset.assetModelId))!;
    models.set(model.id, model);
    const start = Date.parse(`${asset.commissionedOn}T00:00:00Z`);
    const hoursPerDay = 18 + 4 * random();
    const settings = JSON.stringify({ rule: model.runningRule, maxGapSeconds: model.maxGapSeconds, source: 'demo history' });
    for (let t = start; t <= lastDay; t += DAY_MS) {
      await deps.repos.operatingHours.record({ assetId, day: dayOf(t), operatingMs: Math.round(hoursPerDay * HOUR_MS), samples: 0, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings });
      days++;
    }
    const modes = [...new Set((model.prediction?.failureModes ?? []).map((r) => r.failureMode))];
    for (const failureMode of modes) {
      // Lives back to back from commissioning, each ended by a failure, until the telemetry starts.
      const codes = demoFailureMode(failureMode);
      let at = start;
      for (;;) {
        const life = LIFE.scale * Math.pow(-Math.log(1 - random()), 1 / LIFE.shape);
        at += (life / hoursPerDay) * DAY_MS;
        if (at >= lastDay) break;
        orders.push({
          row: orders.length + 1,
          assetId,
          at: Math.round(at),
          kind: 'corrective' as const,
          failureMode,
          symptomCode: codes.symptom.code,
          causeCode: codes.cause.code,
          remedyCode: codes.remedy.code,
          responsibleDepartment: 'none',
          labourHours: 2 + (n % 3),
          parts: [],
          currency: 'EUR',
          description: `demo history: ${failureMode} failure`,
        });
      }
    }
  }
  const imported = await deps.repos.historyImport.importCompleted(orders, 'demo', deps.now);
  const trained: DemoHistoryResult['models'] = [];
  for (const model of models.values()) {
    for (const failureMode of new Set((model.prediction?.failureModes ?? []).map((r) => r.failureMode))) {
      const res = await deps.reliability.train(model.id, failureMode, { trigger: 'manual', createdBy: 'demo' });
      trained.push({ assetModel: model.code, failureMode, status: res.status });
    }
  }
  log.info({ days, failures: imported.imported, models: trained.length }, 'demo history seeded and reliability models trained');
  return { days, failures: imported.imported, models: trained };
}
