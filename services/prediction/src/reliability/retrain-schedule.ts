import type { Repositories } from '@hourmeter/db';
import type { Logger } from '@hourmeter/runtime';
import type { ReliabilityService } from './service.js';

export interface RetrainScheduleDeps {
  reliability: Pick<ReliabilityService, 'failureModes' | 'train'>;
  repos: Pick<Repositories, 'assetModels'>;
  logger: Logger;
  /** A failure mode is retrained once its newest version is this old (HM_RETRAIN_EVERY_HOURS). */
  everyMs: number;
  /** How often the schedule is looked at (default: a tenth of `everyMs`, at most an hour). */
  checkEveryMs?: number;
  now?: () => number;
}

export interface RetrainSchedule {
  /** Retrains every failure mode that is due; resolves with how many were trained. */
  runDue(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Scheduled retraining of the population reliability models, besides the
 * on-demand and after-new-failures triggers: every failure mode of every asset
 * model with a recorded failure is refitted once its newest version is older
 * than `everyMs`, so its estimates follow the fleet as lives get longer even
 * when nothing fails. The candidate goes through the usual backtest
 * comparison, trigger `schedule`. Failure modes without failures are skipped
 * (there is nothing to fit).
 */
export function createRetrainSchedule(deps: RetrainScheduleDeps): RetrainSchedule {
  const log = deps.logger.child({ svc: 'retrain-schedule' });
  const now = deps.now ?? Date.now;
  const checkEveryMs = deps.checkEveryMs ?? Math.min(deps.everyMs / 10, 3_600_000);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function runDue(): Promise<number> {
    let trained = 0;
    let cursor: string | undefined;
    do {
      const page = await deps.repos.assetModels.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      for (const m of page.items) {
        const { failureModes } = await deps.reliability.failureModes(m.id);
        for (const fm of failureModes) {
          if (fm.failures === 0) continue;
          const newest = Math.max(0, ...fm.versions.map((v) => v.createdAt));
          if (now() - newest < deps.everyMs) continue;
          const res = await deps.reliability.train(m.id, fm.failureMode, { trigger: 'schedule' });
          log.info({ assetModelId: m.id, failureMode: fm.failureMode, status: res.status, ...(res.status === 'trained' ? { version: res.model.version, activated: res.activated } : {}) }, 'scheduled reliability retraining');
          if (res.status === 'trained') trained++;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return trained;
  }

  /** One run at a time: a slow run is not overtaken by the next tick. */
  function tick(): Promise<number> {
    running ??= runDue()
      .catch((err: unknown) => {
        log.warn({ err }, 'scheduled retraining failed');
        return 0;
      })
      .finally(() => (running = undefined));
    return running;
  }

  return {
    runDue: tick,
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), checkEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
