import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AedesOptions } from 'aedes';
import { redactUrl } from '@hourmeter/runtime';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { sessionQueueKey } from './session-queues.js';
import { guardDispatchDepth } from './stack-safe-mq.js';

const require = createRequire(import.meta.url);

/** Options for a broker node that shares its state with other nodes through Redis. */
export interface ClusterOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://...`; every node of one cluster uses the same. */
  readonly redisUrl: string;
  /**
   * Readable name of this node (host name, pod name). Letters, digits, `.`,
   * `_`, `-`. The aedes broker id is this name plus a random suffix per
   * process, see `brokerIdFor`.
   */
  readonly nodeId: string;
  /** Longest start-up waits for Redis to answer before createBroker fails (default 10 s). */
  readonly connectTimeoutMs?: number | undefined;
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The aedes broker id of a node. aedes-persistence-redis keys a queued QoS 1
 * packet by `<brokerId>:<brokerCounter>`, and the counter restarts at 0 with
 * the process: a node that came back under the same id would overwrite the
 * packets its previous life queued for offline devices. A per-process suffix
 * keeps them apart. No `:` (the key separator) and no `/`, `+`, `#` (the id is
 * a level of `$SYS/<id>/...` topics).
 */
export function brokerIdFor(nodeId: string): string {
  if (!NODE_ID.test(nodeId)) throw new Error(`invalid cluster nodeId ${JSON.stringify(nodeId)}: letters, digits, ".", "_", "-" only`);
  return `${nodeId}_${randomBytes(4).toString('hex')}`;
}

interface MqLike {
  current: number;
  _do(message: unknown, callback: unknown): unknown;
  emit(message: object, done?: (err?: Error) => void): void;
  close(cb: () => void): void;
}

type RedisEmitterCtor = (opts: { concurrency: number; subConn: Redis; pubConn: Redis }) => MqLike & {
  state: { on(event: 'error', listener: (err: Error) => void): void };
};
interface CallbackPersistence {
  setup(broker: unknown): Promise<void>;
}
type RedisPersistenceFactory = (opts: { conn: Redis; maxSessionDelivery?: number }) => CallbackPersistence;

/** What createBroker hands aedes, and how it lets go of Redis afterwards. */
export interface ClusterBackend {
  readonly brokerId: string;
  readonly mq: NonNullable<AedesOptions['mq']>;
  readonly persistence: NonNullable<AedesOptions['persistence']>;
  /** QoS 1 messages queued in Redis for a persistent session (sent but unacknowledged ones included). */
  queuedFor(clientId: string): Promise<number>;
  /** Whether all three Redis connections are ready now (for health checks). */
  healthy(): boolean;
  /** After aedes.close(): lets pending commands finish, then quits every connection. */
  close(): Promise<void>;
}

/**
 * Redis-backed pub/sub (mqemitter-redis) and persistence (aedes-persistence-redis)
 * for one broker node. Three connections: a publisher, a subscriber (a Redis
 * connection in subscribe mode can do nothing else) and one for the
 * persistence. Made here rather than by the libraries so their errors are
 * logged instead of crashing the process (mqemitter-redis re-emits connection
 * errors on an EventEmitter with no listener) and so start-up fails with a
 * clear message when Redis does not answer.
 */
export async function openClusterBackend(opts: ClusterOptions, logger: Logger): Promise<ClusterBackend> {
  const brokerId = brokerIdFor(opts.nodeId);
  const log = logger.child({ svc: 'broker-cluster', brokerId });
  const connect = (name: string) => {
    const conn = new Redis(opts.redisUrl, {
      connectionName: `hourmeter:${brokerId}:${name}`,
      lazyConnect: true,
      // Reconnect forever with a capped back-off; commands wait in the offline
      // queue meanwhile and fail after maxRetriesPerRequest reconnects.
      retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    });
    let lastError = '';
    conn.on('error', (err: Error) => {
      // One line per distinct failure, not one per reconnect attempt.
      if (err.message === lastError) return;
      lastError = err.message;
      log.error({ err, conn: name }, 'redis connection error');
    });
    conn.on('ready', () => {
      if (lastError) log.info({ conn: name }, 'redis connection restored');
      lastError = '';
    });
    return conn;
  };
  const conns = [connect('pub'), connect('sub'), connect('persistence')] as const;
  const [pubConn, subConn, persistenceConn] = conns;
  const quitAll = () => Promise.allSettled(conns.map((c) => c.quit().catch(() => c.disconnect())));

  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(conns.map((c) => c.connect())),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    for (const c of conns) c.disconnect();
    throw new Error(`broker cluster: cannot connect to redis at ${redactUrl(opts.redisUrl)}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }

  try {
    const MQEmitterRedis = require('mqemitter-redis') as RedisEmitterCtor;
    const redisPersistence = require('aedes-persistence-redis') as RedisPersistenceFactory;
    // concurrency as aedes' default emitter (and stackSafeMq) in single-node mode.
    const mq = guardDispatchDepth(MQEmitterRedis({ concurrency: 100, subConn, pubConn }));
    mq.state.on('error', (err) => log.error({ err }, 'cluster pub/sub error'));
    // While aedes closes, clients it is closing still publish ($SYS
    // unsubscribe notices); reaching the quitting connection, such a publish
    // fails as an unhandled rejection inside ioredis. Refuse them up front.
    const { emit, close } = { emit: mq.emit.bind(mq), close: mq.close.bind(mq) };
    let mqClosing = false;
    mq.close = (cb) => {
      mqClosing = true;
      close(cb);
    };
    mq.emit = (message, done) => {
      if (!mqClosing) return emit(message, done);
      done?.(new Error('broker node is closing'));
    };
    const persistence = redisPersistence({ conn: persistenceConn });
    let closing: Promise<void> | undefined;
    return {
      brokerId,
      mq: mq,
      persistence: persistence,
      queuedFor: (clientId) => persistenceConn.llen(sessionQueueKey(clientId)),
      healthy: () => conns.every((c) => c.status === 'ready'),
      close() {
        closing ??= (async () => {
          // aedes.close() has closed the emitter (quitting pub and sub) but
          // never touches the persistence. Not persistence.destroy(): it
          // disconnects at once, failing the commands aedes still has in
          // flight for clients it just closed (unhandled rejections inside
          // aedes). QUIT is answered after every command sent before it.
          await Promise.race([quitAll(), new Promise<void>((r) => setTimeout(r, 2_000).unref())]);
          for (const c of conns) c.disconnect();
        })();
        return closing;
      },
    };
  } catch (err) {
    await quitAll();
    throw err;
  }
}
