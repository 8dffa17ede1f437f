import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RulModel, type RulTrainOptions, type SerializedRulModel, type TrainingUnit, type TrainProgress } from '../core/rul/index.js';

export interface WorkerRequest {
  units: readonly TrainingUnit[];
  options: Partial<RulTrainOptions>;
}

export type WorkerReply =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; model: SerializedRulModel }
  | { type: 'error'; message: string };

/**
 * How to start the worker. From a build, the compiled .js sibling runs as is.
 * From TypeScript sources (tsx, vitest) the worker needs tsx's loader, and on
 * Node 20 `execArgv: ['--import', 'tsx']` does not reach a worker's entry
 * module (nodejs/node#47747: the hooks register after the entry is resolved,
 * "Unknown file extension .ts"). So a tiny evaluated bootstrap registers tsx's
 * ESM hooks first (tsx/esm/api `register()`), then imports the .ts entry.
 */
function workerSpec(): { entry: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./train-worker.js', import.meta.url), eval: false };
  const target = new URL('./train-worker.ts', import.meta.url).href;
  // The ESM build of the API (its CJS build cannot be import()ed), resolved from here, not the cwd.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json').replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
  return { entry: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, eval: true };
}

/**
 * Trains a RUL model in a worker thread; the main thread's event loop stays
 * free. Rejects with the worker's error message; `signal` terminates it.
 */
export function trainInWorker(
  units: readonly TrainingUnit[],
  options: Partial<RulTrainOptions>,
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<RulModel> {
  const spec = workerSpec();
  return new Promise<RulModel>((resolve, reject) => {
    const worker = new Worker(spec.entry, { eval: spec.eval });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new Error('training aborted')));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'progress') onProgress?.(msg.progress);
      else if (msg.type === 'done') {
        finish(() => {
          try {
            resolve(RulModel.fromJSON(msg.model));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      } else finish(() => reject(new Error(msg.message)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code}`))));
    worker.postMessage({ units, options } satisfies WorkerRequest);
  });
}
