/**
 * Trains a condition-based RUL version of an asset model and failure mode by
 * asking the running server through its API:
 *
 *   npm run train -- --asset-model <id|code> --failure-mode <mode> --kind condition
 *                    [--hours-per-cycle <h>] [--metrics a,b] [--settings a] [--ensemble n] [--split-at <T>] [--activate]
 *
 * Why the API and not the files: condition models read stored telemetry, and
 * the embedded DuckDB file belongs to the running server (DuckDB lets one
 * process hold a file read-write, and no other process open it then, not even
 * read-only), so a CLI that opened it would work only while the server is down.
 * Through the API it works while the server runs, against InfluxDB and
 * PostgreSQL deployments and remote servers alike, with the server's role
 * checks and audit (the version's createdBy is the key's actor), and the
 * training joins the server's queue instead of racing its automatic retraining
 * for the next version number.
 *
 * `HM_API_URL` (default http://127.0.0.1:$HM_HTTP_PORT, port 8080), key in
 * `HM_API_KEY` (or `HM_ADMIN_KEY`; an engineer's or admin's key). Progress
 * (elapsed time) goes to stderr; the last stdout line is the machine-readable
 * summary. Exit 0 trained, 1 refused or failed (the server's message printed).
 */

export interface ConditionCliArgs {
  assetModel: string;
  failureMode: string;
  splitAt?: number | undefined;
  activate: boolean;
  hoursPerCycle?: number | undefined;
  metrics?: string[] | undefined;
  settings?: string[] | undefined;
  ensemble?: number | undefined;
}

export interface ApiTarget {
  url: string;
  key: string;
}

/** Where the server is, from the environment the other API CLIs (backup, simulate) read too. */
export function apiTargetFromEnv(env: NodeJS.ProcessEnv): ApiTarget | { error: string } {
  const key = env['HM_API_KEY'] ?? env['HM_ADMIN_KEY'];
  if (!key) return { error: 'condition training runs in the server that holds the telemetry: set HM_API_KEY (an engineer or admin key) and HM_API_URL (default http://127.0.0.1:8080)' };
  return { url: (env['HM_API_URL'] ?? `http://127.0.0.1:${env['HM_HTTP_PORT'] ?? '8080'}`).replace(/\/+$/, ''), key };
}

interface TrainedVersion {
  version: number;
  status: string;
  kind: string;
  failures: number;
  censored: number;
  fit: { condition?: { hoursPerCycle?: number; sensors?: string[] } } & Record<string, unknown>;
  backtest: ({ rulRmseHours?: number | null; phmScore?: number | null; bandCoverage?: number | null; comparedWith?: { rulRmseHours?: number | null } } & Record<string, unknown>) | null;
}

/** The summary line: what was trained, its backtest against the version it was compared with, and the verdict. */
export function conditionSummaryLine(code: string, failureMode: string, res: { model: TrainedVersion; reason: string }): string {
  const { model } = res;
  const bt = model.backtest;
  const f = (v: number | null | undefined, d = 1) => (typeof v === 'number' ? v.toFixed(d) : '-');
  const c = model.fit.condition;
  return (
    `reliability ${code}/${failureMode} condition-v${model.version} (${model.status}): failures=${model.failures} censored=${model.censored}` +
    ` hours_per_cycle=${f(c?.hoursPerCycle, 2)} sensors=${c?.sensors?.join(',') ?? '-'}` +
    ` backtest_rul_rmse_h=${f(bt?.rulRmseHours)} compared_rul_rmse_h=${f(bt?.comparedWith?.rulRmseHours)} phm_score=${f(bt?.phmScore, 3)}` +
    ` band_coverage=${typeof bt?.bandCoverage === 'number' ? `${(bt.bandCoverage * 100).toFixed(1)}%` : '-'} reason="${res.reason}"`
  );
}

/** Where the CLI writes: stdout and stderr, or what a test reads. */
export interface CliOutput {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** Posts the training request and prints progress while the server trains. */
export async function runConditionTraining(args: ConditionCliArgs, target: ApiTarget, io: CliOutput = { out: process.stdout, err: process.stderr }): Promise<number> {
  const label = `reliability ${args.assetModel}/${args.failureMode}`;
  const body = {
    kind: 'condition',
    activate: args.activate,
    ...(args.splitAt === undefined ? {} : { splitAt: args.splitAt }),
    condition: {
      ...(args.hoursPerCycle === undefined ? {} : { hoursPerCycle: args.hoursPerCycle }),
      ...(args.metrics ? { metrics: args.metrics } : {}),
      ...(args.settings ? { settings: args.settings } : {}),
      ...(args.ensemble === undefined ? {} : { ensemble: args.ensemble }),
    },
  };
  const path = `/api/v1/asset-models/${encodeURIComponent(args.assetModel)}/reliability/${encodeURIComponent(args.failureMode)}/train`;
  io.err.write(`${label}: training the condition model on ${target.url} (loading telemetry, backtest before/after T, final fit)\n`);
  const started = performance.now();
  // The route answers when the version is stored; until then, say that it is still working.
  const ticker = setInterval(() => io.err.write(`${label}: still training on the server, ${Math.round((performance.now() - started) / 1000)} s elapsed\n`), 5_000);
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${target.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    text = await res.text();
  } catch (err) {
    io.err.write(`error: cannot reach ${target.url}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    clearInterval(ticker);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.status !== 201) {
    const problem = (json ?? {}) as { code?: string; detail?: string };
    io.err.write(`error: ${label}: HTTP ${res.status} ${problem.code ?? ''} ${problem.detail ?? text}`.trimEnd() + '\n');
    return 1;
  }
  const trained = json as { model: TrainedVersion; activated: boolean; reason: string };
  io.err.write(`${label}: trained in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  io.out.write(`${conditionSummaryLine(args.assetModel, args.failureMode, trained)}\n`);
  return 0;
}
