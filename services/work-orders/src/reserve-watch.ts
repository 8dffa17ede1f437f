import type { ReserveStanding, WorkOrderRepository } from '@hourmeter/db';
import type { EventSink } from '@hourmeter/events';
import type { Logger } from '@hourmeter/runtime';
import { qualityBonusMinor, reserveShare, thresholdsReached, warrantyOver } from './core/reserves.js';

export interface ReserveWatchDeps {
  repo: WorkOrderRepository;
  logger: Logger;
  clock: () => number;
  events?: EventSink | undefined;
}

/**
 * Records and announces each threshold of a batch's quality reserve once
 * (`reserve.warning` at 80 %, `reserve.exhausted` at 100 %, with a warning in
 * the log), and at the end of the batch's warranty releases the unused
 * remainder as production's quality bonus (`reserve.released`). The database
 * keeps each at most once per batch, so several processes may run this.
 */
export function createReserveWatch(deps: ReserveWatchDeps) {
  const reserves = deps.repo.qualityReserves;
  const log = deps.logger.child({ svc: 'quality-reserves' });
  const signal = (s: ReserveStanding, bonusMinor?: number) => ({
    productionBatchId: s.productionBatchId,
    code: s.code,
    reserve: { amountMinor: s.reserveMinor, currency: s.currency },
    consumed: { amountMinor: s.consumedMinor, currency: s.currency },
    share: reserveShare(s),
    ...(bonusMinor === undefined ? {} : { bonus: { amountMinor: bonusMinor, currency: s.currency } }),
  });

  return {
    /** After a charge to the batch's reserve: signals the thresholds it has newly reached. */
    async watch(productionBatchId: string): Promise<string[]> {
      const s = await reserves.standing(productionBatchId);
      if (!s || s.events.some((e) => e.kind === 'bonus_released')) return [];
      const fired: string[] = [];
      for (const kind of thresholdsReached(s)) {
        const at = deps.clock();
        if (!(await reserves.record({ productionBatchId, kind, reserveMinor: s.reserveMinor, consumedMinor: s.consumedMinor, amountMinor: 0, currency: s.currency, at }))) continue;
        fired.push(kind);
        log.warn(
          { productionBatchId, batch: s.code, reserveMinor: s.reserveMinor, consumedMinor: s.consumedMinor, currency: s.currency },
          kind === 'warning' ? `quality reserve of batch ${s.code} is 80 % used` : `quality reserve of batch ${s.code} is used up${s.consumedMinor > s.reserveMinor ? ' (overdrawn)' : ''}`,
        );
        deps.events?.emit(`reserve.${kind}`, signal(s));
      }
      return fired;
    },

    /** Releases the remainder of every batch whose warranty is over as production's quality bonus. */
    async releaseEnded(): Promise<{ productionBatchId: string; code: string; bonusMinor: number; currency: string }[]> {
      const today = new Date(deps.clock()).toISOString().slice(0, 10);
      const out = [];
      for (const s of await reserves.all()) {
        if (!warrantyOver(s, today) || s.events.some((e) => e.kind === 'bonus_released')) continue;
        const bonusMinor = qualityBonusMinor(s);
        const recorded = await reserves.record({ productionBatchId: s.productionBatchId, kind: 'bonus_released', reserveMinor: s.reserveMinor, consumedMinor: s.consumedMinor, amountMinor: bonusMinor, currency: s.currency, at: deps.clock() });
        if (!recorded) continue;
        log.info({ productionBatchId: s.productionBatchId, batch: s.code, bonusMinor, currency: s.currency }, `warranty of batch ${s.code} over: production quality bonus released`);
        deps.events?.emit('reserve.released', signal(s, bonusMinor));
        out.push({ productionBatchId: s.productionBatchId, code: s.code, bonusMinor, currency: s.currency });
      }
      return out;
    },
  };
}

export type ReserveWatch = ReturnType<typeof createReserveWatch>;
