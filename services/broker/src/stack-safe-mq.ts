import { createRequire } from 'node:module';

interface MQEmitterLike {
  current: number;
  _do(message: unknown, callback: unknown): unknown;
}

type MQEmitterCtor = new (opts: { concurrency: number }) => MQEmitterLike;

const MQEmitter = createRequire(import.meta.url)('mqemitter') as MQEmitterCtor;

/** Synchronous re-entries of the dispatch loop allowed before the next hop is deferred. */
const MAX_SYNC_DEPTH = 64;

/**
 * aedes' default mqemitter, made stack-safe. When more messages are in flight
 * than its concurrency allows, mqemitter queues them, and each finished
 * delivery starts the next queued one from inside its own callback. If the
 * slow subscriber that caused the backlog disconnects, the remaining
 * deliveries all finish synchronously and that chain recurses once per queued
 * message: with a few thousand queued, `RangeError: Maximum call stack size
 * exceeded` kills the process (ENVIRONMENT.md; reproduced by
 * broker.test.ts "a subscriber that stops reading"). Past a fixed depth the
 * next dispatch is moved to a fresh stack with setImmediate; the slot stays
 * counted in `current` meanwhile, so newer messages still queue behind it and
 * order is kept.
 */
export function stackSafeMq(concurrency = 100): MQEmitterLike {
  return guardDispatchDepth(new MQEmitter({ concurrency }));
}

/**
 * The same guard applied to an existing emitter: mqemitter-redis inherits
 * mqemitter's local dispatch, so a cluster node needs it too (cluster.ts).
 */
export function guardDispatchDepth<T extends MQEmitterLike>(mq: T): T {
  const dispatch = mq._do.bind(mq);
  let depth = 0;
  mq._do = (message, callback) => {
    if (depth >= MAX_SYNC_DEPTH) {
      mq.current++;
      setImmediate(() => {
        mq.current--;
        dispatch(message, callback);
      });
      return mq;
    }
    depth++;
    try {
      return dispatch(message, callback);
    } finally {
      depth--;
    }
  };
  return mq;
}
