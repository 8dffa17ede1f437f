/**
 * Standard C-MAPSS evaluation of the RUL model.
 *
 *   npm run eval:cmapss -- --data <dir> --set FD001 [--seed 42] [--save model.json]
 *
 * Trains on train_<set>.txt only (model selection uses held-out TRAINING units),
 * then predicts each test unit once, at its last cycle, and compares with the
 * RUL_<set>.txt, uncapped (`rmse`) and capped at 125 (`rmse_capped`, the
 * published convention). The last stdout line is the machine-readable summary.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CMAPSS_DATA_DIR, CMAPSS_SETS, CmapssParseError, cmapssFiles, isCmapssSetName, loadTestUnits, loadTrainUnits } from '@hourmeter/cmapss';
import { trainRulModel, type TrainProgress } from '../core/rul/index.js';
import { trainingProgressLine } from './progress-line.js';
import { cmapssSummaryLine } from './summary-line.js';

const USAGE = `usage: npm run eval:cmapss -- [--data <dir>] --set <${CMAPSS_SETS.join('|')}> [--seed <int>] [--save <model.json>]
  --data  directory holding train_<set>.txt, test_<set>.txt, RUL_<set>.txt (default: FD001 and FD002 as shipped in packages/cmapss/data)
  --set   C-MAPSS subset to evaluate
  --seed  seed of the unit split and boosting (default 42)
  --save  also write the trained model as JSON`;

class UsageError extends Error {}

// Repo root is four levels above this file (services/prediction/src/cli).

function parseCli(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        set: { type: 'string' },
        seed: { type: 'string' },
        save: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true } as const;
  if (values.set === undefined) throw new UsageError('--set is required');
  const set = values.set.toUpperCase();
  if (!isCmapssSetName(set)) throw new UsageError(`--set must be one of ${CMAPSS_SETS.join(', ')}, got "${values.set}"`);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  const data = values.data === undefined ? CMAPSS_DATA_DIR : resolve(values.data);
  const files = cmapssFiles(data, set);
  for (const f of Object.values(files)) if (!existsSync(f)) throw new UsageError(`missing data file ${f} (check --data)`);
  return { help: false, set, seed, files, save: values.save } as const;
}

function progressReporter(set: string) {
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return {
    update(p: TrainProgress) {
      const line = trainingProgressLine(p, set);
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      // Without a terminal, a line every 50 rounds keeps CI logs readable.
      else if (p.round === 1 || p.round - lastLine >= 100) {
        process.stderr.write(`${line}\n`);
        lastLine = p.round;
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
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
  const { set, files } = args;
  const train = await loadTrainUnits(files.train);
  const test = await loadTestUnits(files.test, files.rul);
  const trainRows = train.reduce((a, u) => a + u.rows.length, 0);
  process.stderr.write(`loaded ${set}: train ${train.length} units / ${trainRows} rows, test ${test.length} units\n`);

  const progress = progressReporter(set);
  const started = performance.now();
  const model = trainRulModel(
    train.map((u) => ({ id: u.unit, rows: u.rows })),
    { seed: args.seed, source: `cmapss:${set}` },
    (p) => progress.update(p),
  );
  const trainSeconds = (performance.now() - started) / 1000;
  progress.done();

  const predicted: number[] = [];
  const actual: number[] = [];
  let covered = 0;
  for (const unit of test) {
    const p = model.predict(unit.rows);
    predicted.push(p.rul);
    actual.push(unit.rulAtEnd);
    if (unit.rulAtEnd >= p.lower && unit.rulAtEnd <= p.upper) covered++;
  }
  const { training, validation } = model.metadata;
  console.log(
    `model: ${training.conditions} condition(s), sensors ${training.sensorsKept.join(',')}, ${model.metadata.featureNames.length} features, ${training.members} boosted models, ${training.rounds} trees`,
  );
  console.log(
    `validation (${validation.units} held-out train units): rmse_capped=${validation.rmse.toFixed(2)} rmse_degrading=${validation.rmseDegrading.toFixed(2)} band_coverage=${(validation.bandCoverage * 100).toFixed(1)}%`,
  );
  console.log(`test band coverage (uncapped truth): ${((covered / test.length) * 100).toFixed(1)}%`);
  if (args.save !== undefined) {
    await writeFile(args.save, JSON.stringify(model.toJSON()));
    console.log(`model written to ${resolve(args.save)}`);
  }
  console.log(cmapssSummaryLine({ set, predicted, actual, trainSeconds }));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CmapssParseError) console.error(`error: ${err.message}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
