/**
 * Fits, backtests and registers the population reliability model of an asset
 * model and failure mode from the platform's own records.
 *
 *   npm run train -- --asset-model <id|code> --failure-mode <mode|all> [--split-at <ISO|ms>] [--activate]
 *
 * Progress goes to stderr; the last stdout line per failure mode is the
 * machine-readable summary. Exit 1 when a mode has nothing to fit (no
 * failure recorded yet), saying so.
 */
import { openDb, repositories } from '@hourmeter/db';
import { createLogger } from '@hourmeter/runtime';
import { createReliabilityService, type ReliabilityTrainResult } from '../reliability/service.js';

export interface ReliabilityCliArgs {
  assetModel: string;
  failureMode: string;
  splitAt?: number | undefined;
  activate: boolean;
}

/** `--split-at`: epoch ms or an ISO 8601 date-time with Z or an offset. */
export function parseSplitAt(v: string): number | undefined {
  const n = /^\d+$/.test(v) ? Number(v) : /T.*(Z|[+-]\d\d:\d\d)$/.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function summaryLine(code: string, failureMode: string, res: ReliabilityTrainResult): string {
  if (res.status !== 'trained') return `reliability ${code}/${failureMode}: ${res.status} (${res.message})`;
  const { model } = res;
  const fit = model.fit as { shape: number; scale: number; b10: { estimate: number }; mttf: { estimate: number } };
  const bt = model.backtest as { rulRmseHours?: number | null; logLikelihoodPerLife?: number | null } | null;
  const f = (v: number | null | undefined, d = 1) => (typeof v === 'number' ? v.toFixed(d) : '-');
  return (
    `reliability ${code}/${failureMode} v${model.version} (${model.status}): failures=${model.failures} censored=${model.censored}` +
    ` shape=${fit.shape.toFixed(3)} scale_h=${fit.scale.toFixed(1)} b10_h=${fit.b10.estimate.toFixed(1)} mttf_h=${fit.mttf.estimate.toFixed(1)}` +
    ` backtest_rul_rmse_h=${f(bt?.rulRmseHours)} backtest_loglik=${f(bt?.logLikelihoodPerLife, 3)} reason="${res.reason}"`
  );
}

export async function runReliabilityTraining(args: ReliabilityCliArgs): Promise<number> {
  const logger = createLogger({ level: process.env.HM_LOG_LEVEL ?? 'warn' });
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.HM_DATA_DIR ?? './data', logger });
  try {
    const repos = repositories(db);
    const reliability = createReliabilityService({ repos, logger });
    const { assetModel, failureModes } = await reliability.failureModes(args.assetModel);
    const modes = args.failureMode === 'all' ? failureModes.map((m) => m.failureMode) : [args.failureMode];
    if (modes.length === 0) {
      console.log(`reliability ${assetModel.code}: no failure mode recorded yet (no completed corrective work order with a failure mode)`);
      return 1;
    }
    let code = 0;
    for (const [i, mode] of modes.entries()) {
      const res = await reliability.train(assetModel.id, mode, {
        trigger: 'manual',
        createdBy: 'cli',
        splitAt: args.splitAt,
        activate: args.activate,
        onStage: (stage) => process.stderr.write(`reliability ${assetModel.code}/${mode} [${i + 1}/${modes.length}]: ${stage}\n`),
      });
      console.log(summaryLine(assetModel.code, mode, res));
      if (res.status !== 'trained') code = 1;
    }
    return code;
  } finally {
    await db.close();
  }
}
