/**
 * Trains a RUL model for an asset model and stores it in the model registry.
 *
 *   npm run train -- --asset-model <id|code> --cmapss FD001 [--data <dir>]
 *                    [--units 1-80] [--hours-per-cycle 1] [--seed 42] [--activate]
 *   npm run train -- --asset-model <id|code> --failure-mode <mode|all> [--split-at <T>] [--activate]
 *                    (population reliability from the records, see train-reliability.ts)
 *   npm run train -- --asset-model <id|code> --failure-mode <mode> --kind condition [--hours-per-cycle <h>]
 *                    [--metrics a,b] [--settings a] [--ensemble n] [--split-at <T>] [--activate]
 *                    (condition-based RUL, trained by the running server through its API, see train-condition.ts)
 *
 * Uses the relational store the server uses (DATABASE_URL, else SQLite in
 * HM_DATA_DIR, default ./data). Progress goes to stderr; the last stdout line
 * is the machine-readable summary.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CMAPSS_DATA_DIR, CMAPSS_SETS, CmapssParseError, cmapssFiles, isCmapssSetName } from '@hourmeter/cmapss';
import { openDb, repositories } from '@hourmeter/db';
import { AppError, createLogger } from '@hourmeter/runtime';
import { createRulModelRegistry } from '../registry/registry.js';
import { trainingProgressLine } from './progress-line.js';
import { apiTargetFromEnv, runConditionTraining } from './train-condition.js';
import { parseSplitAt, runReliabilityTraining } from './train-reliability.js';

const USAGE = `usage: npm run train -- --asset-model <id|code> --cmapss <${CMAPSS_SETS.join('|')}> [options]
       npm run train -- --asset-model <id|code> --failure-mode <mode|all> [--split-at <T>] [--activate]
       npm run train -- --asset-model <id|code> --failure-mode <mode> --kind condition [--hours-per-cycle <h>]
                        [--metrics a,b] [--settings a] [--ensemble n] [--split-at <T>] [--activate]
  --asset-model      asset model (product line) id or code the model is for
  --failure-mode     fit the population reliability (Weibull) model of this failure mode, or of every
                     recorded one (all), from completed work orders and the hour meter
  --kind             weibull (default) or condition: the condition-based RUL model from stored telemetry,
                     trained by the running server through its API (HM_API_URL, HM_API_KEY)
  --metrics          condition metrics, comma-separated (default: every numeric metric the assets report)
  --settings         operating-point metrics, comma-separated (default: the asset model's regime metric)
  --split-at         T of its time-split backtest: epoch ms or ISO date-time with Z/offset (default:
                     just after 70 % of the recorded failures)
  --cmapss           C-MAPSS subset whose training units (run to failure) are the data
  --data             directory holding train_<set>.txt (default: FD001 and FD002 as shipped in packages/cmapss/data)
  --units            training unit numbers, e.g. 1-80 or 1,5,9 (default: all)
  --hours-per-cycle  operating hours one cycle stands for (default 1; condition: 0.6 x MTTF / 125)
  --seed             seed of the unit split and boosting (default 42)
  --ensemble         boosted models averaged (1-5, default 3)
  --activate         make the new version the active one
  --worker           train in a worker thread (as the API does)
Environment: DATABASE_URL (PostgreSQL) or HM_DATA_DIR (SQLite, default ./data); --kind condition:
HM_API_URL (default http://127.0.0.1:8080) and HM_API_KEY (engineer or admin key).`;

class UsageError extends Error {}


function parseUnitList(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--units: cannot read "${part}" (use e.g. 1-80 or 1,5,9)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`--units: empty range ${part}`);
    for (let u = a; u <= b; u++) out.push(u);
  }
  return out;
}

function parseCli(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'asset-model': { type: 'string' },
        cmapss: { type: 'string' },
        data: { type: 'string' },
        units: { type: 'string' },
        'hours-per-cycle': { type: 'string' },
        seed: { type: 'string' },
        ensemble: { type: 'string' },
        activate: { type: 'boolean', default: false },
        'failure-mode': { type: 'string' },
        'split-at': { type: 'string' },
        kind: { type: 'string' },
        metrics: { type: 'string' },
        settings: { type: 'string' },
        worker: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true } as const;
  const assetModel = values['asset-model'];
  if (!assetModel) throw new UsageError('--asset-model is required');
  const num = (name: string, v: string | undefined, ok: (n: number) => boolean) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!ok(n)) throw new UsageError(`--${name}: invalid value "${v}"`);
    return n;
  };
  const failureMode = values['failure-mode'];
  const kind = values.kind ?? 'weibull';
  if (kind !== 'weibull' && kind !== 'condition') throw new UsageError(`--kind must be weibull or condition, got "${kind}"`);
  if (kind === 'condition' && failureMode === undefined) throw new UsageError('--kind condition needs --failure-mode');
  if (kind !== 'condition' && (values.metrics !== undefined || values.settings !== undefined)) throw new UsageError('--metrics and --settings are for --kind condition');
  if (failureMode !== undefined) {
    if (values.cmapss !== undefined) throw new UsageError('--failure-mode and --cmapss train different models: give one');
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(failureMode)) throw new UsageError(`--failure-mode: invalid value "${failureMode}"`);
    const splitAt = values['split-at'] === undefined ? undefined : parseSplitAt(values['split-at']);
    if (values['split-at'] !== undefined && splitAt === undefined) throw new UsageError(`--split-at: invalid value "${values['split-at']}" (epoch ms or ISO date-time with Z or an offset)`);
    if (kind === 'condition') {
      if (failureMode === 'all') throw new UsageError('--kind condition trains one failure mode: name it');
      const list = (name: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const items = v.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
        if (items.length === 0) throw new UsageError(`--${name}: empty list`);
        return items;
      };
      const condition = {
        assetModel,
        failureMode,
        splitAt,
        activate: values.activate,
        hoursPerCycle: num('hours-per-cycle', values['hours-per-cycle'], (n) => Number.isFinite(n) && n > 0),
        ensemble: num('ensemble', values.ensemble, (n) => Number.isInteger(n) && n >= 1 && n <= 5),
        metrics: list('metrics', values.metrics),
        settings: list('settings', values.settings),
      };
      return { help: false, reliability: undefined, condition } as const;
    }
    return { help: false, reliability: { assetModel, failureMode, splitAt, activate: values.activate }, condition: undefined } as const;
  }
  if (values.cmapss === undefined) throw new UsageError('--cmapss is required (the only training source of this CLI; the API also trains from telemetry)');
  const set = values.cmapss.toUpperCase();
  if (!isCmapssSetName(set)) throw new UsageError(`--cmapss must be one of ${CMAPSS_SETS.join(', ')}, got "${values.cmapss}"`);
  const hoursPerCycle = num('hours-per-cycle', values['hours-per-cycle'], (n) => Number.isFinite(n) && n > 0) ?? 1;
  const seed = num('seed', values.seed, Number.isSafeInteger);
  const ensemble = num('ensemble', values.ensemble, (n) => Number.isInteger(n) && n >= 1 && n <= 5);
  const data = values.data === undefined ? CMAPSS_DATA_DIR : resolve(values.data);
  if (!existsSync(cmapssFiles(data, set).train)) throw new UsageError(`missing ${cmapssFiles(data, set).train} (check --data)`);
  const units = values.units === undefined ? undefined : parseUnitList(values.units);
  return { help: false, reliability: undefined, condition: undefined, assetModel, set, data, units, hoursPerCycle, seed, ensemble, activate: values.activate, worker: values.worker } as const;
}


async function main(): Promise<number> {
  let args;
  try {
    args = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.reliability) return runReliabilityTraining(args.reliability);
  if (args.condition) {
    const target = apiTargetFromEnv(process.env);
    if ('error' in target) {
      console.error(`error: ${target.error}`);
      return 2;
    }
    return runConditionTraining(args.condition, target);
  }
  const logger = createLogger({ level: process.env.HM_LOG_LEVEL ?? 'warn' });
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.HM_DATA_DIR ?? './data', logger });
  try {
    const registry = createRulModelRegistry({ repos: repositories(db), logger, cmapssDir: args.data, inWorker: args.worker });
    const tty = process.stderr.isTTY === true;
    let lastAt = 0;
    const record = await registry.train(
      args.assetModel,
      {
        source: 'cmapss',
        set: args.set,
        hoursPerCycle: args.hoursPerCycle,
        activate: args.activate,
        ...(args.units ? { units: args.units } : {}),
        ...(args.seed === undefined ? {} : { seed: args.seed }),
        ...(args.ensemble === undefined ? {} : { ensemble: args.ensemble }),
      },
      {
        createdBy: 'cli',
        onProgress: (p) => {
          if (tty) process.stderr.write(`\r${trainingProgressLine(p)}\x1b[K`);
          else if (p.round === 1 || performance.now() - lastAt > 2000) {
            lastAt = performance.now();
            process.stderr.write(`${trainingProgressLine(p)}\n`);
          }
        },
      },
    );
    if (tty) process.stderr.write('\n');
    const m = record.metrics;
    console.log(
      `rul model ${record.assetModelId} v${record.version} (${record.status}): source=${record.source} units=${record.trainingUnits} rows=${record.trainingRows} rmse=${m.rmse.toFixed(2)} score=${m.score.toFixed(1)} band_coverage=${(m.bandCoverage * 100).toFixed(1)}% hours_per_cycle=${record.hoursPerCycle}`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CmapssParseError || err instanceof AppError) console.error(`error: ${err.message}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
