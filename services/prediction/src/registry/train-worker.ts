/**
 * Worker-thread entry of RUL training (see train-in-worker.ts): CPU-bound
 * boosting runs here so the main thread keeps serving ingest and the API.
 * Imports core/rul only, so the worker starts quickly.
 */
import { parentPort } from 'node:worker_threads';
import { trainRulModel } from '../core/rul/index.js';
import type { WorkerReply, WorkerRequest } from './train-in-worker.js';

const port = parentPort;
if (!port) throw new Error('train-worker must run in a worker thread');

port.once('message', (req: WorkerRequest) => {
  try {
    let last = 0;
    const model = trainRulModel(req.units, req.options, (p) => {
      // Progress messages at most every 100 ms: the main thread only shows them.
      const now = performance.now();
      if (now - last < 100 && p.round !== 1 && p.round !== p.rounds) return;
      last = now;
      port.postMessage({ type: 'progress', progress: p } satisfies WorkerReply);
    });
    port.postMessage({ type: 'done', model: model.toJSON() } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
