import { randomBytes } from 'node:crypto';
import { type Broker, createBroker, inMemoryDevices } from '@hourmeter/broker';
import { decodeReadingBatch, partitionOf, partitionTopic } from '@hourmeter/partitions';
import { AppError, createLogger, newSecret } from '@hourmeter/runtime';
import { findOnPath, startRedis, suiteTitle, type RunningServer } from '@hourmeter/testkit';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { partitionForwarder } from './partition-forwarder.js';

// The shared test Redis says whether redis-server is installed; this suite
// starts its own, because partition topics are fixed names other suites use too.
const redisInstalled = inject('redisUrl');
const PARTITIONS = 2;
const run = randomBytes(3).toString('hex');
const service = { username: 'hm-ingest', secret: newSecret(), publish: [], subscribe: ['hm/v1/partitions/+/telemetry'] };

/** An asset id on the given partition. */
function assetOn(partition: number): string {
  for (let i = 0; ; i++) if (partitionOf(`ast_${run}_${i}`, PARTITIONS) === partition) return `ast_${run}_${i}`;
}
const reading = (assetId: string, ts: number) => ({ assetId, deviceId: `dev_${assetId}`, ts, metrics: { v: ts } });

describe.skipIf(!redisInstalled)(suiteTitle('partition forwarder (broker node through Redis)', !redisInstalled, "install Debian's `redis-server`"), () => {
  let broker: Broker;
  let redis: RunningServer;
  beforeAll(async () => {
    redis = await startRedis(findOnPath('redis-server')!);
    broker = await createBroker({
      logger: createLogger({ level: 'silent' }),
      devices: inMemoryDevices([]),
      ingress: { accept: async () => ({ status: 'accepted', accepted: 0, duplicates: 0, rejections: [] }) },
      services: [service],
      tcp: { port: 0, host: '127.0.0.1' },
      cluster: { redisUrl: redis.url, nodeId: `fwd-${run}` },
    });
  });
  afterAll(async () => {
    await broker?.close();
    await redis?.stop();
  });

  it('holds batches back without a session and beyond the queue limit, and splits them by partition', async () => {
    const forwarder = partitionForwarder(() => broker, { partitions: PARTITIONS, maxQueued: 2 });
    const [a0, a1] = [assetOn(0), assetOn(1)];
    const refused = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

    const none = await refused(forwarder.writeBatch([reading(a0, 1)]));
    expect(none).toBeInstanceOf(AppError);
    expect((none as AppError).retryable).toBe(true);
    expect((none as AppError).message).toMatch(/partition 0 has no ingest worker session/);

    // One persistent session per partition, then offline: messages queue in Redis.
    const sessions = [0, 1].map((p) => ({ clientId: `hm-ingest-${run}-p${p}`, topic: partitionTopic(p, 'telemetry') }));
    for (const s of sessions) {
      const c = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { username: service.username, password: service.secret, clientId: s.clientId, clean: false, reconnectPeriod: 0 });
      await c.subscribeAsync(s.topic, { qos: 1 });
      await c.endAsync();
    }
    await forwarder.writeBatch([reading(a0, 1), reading(a1, 1)]);
    await forwarder.writeBatch([reading(a0, 2), reading(a0, 3)]);
    expect((await broker.durableSubscribers(sessions[0]!.topic))[0]!.queued).toBe(2);
    // Partition 0 is at its limit: a batch touching it waits; one for partition 1 alone still goes.
    const full = await refused(forwarder.writeBatch([reading(a0, 4), reading(a1, 4)]));
    expect((full as AppError).message).toMatch(new RegExp(`partition 0 has 2 messages queued for ${sessions[0]!.clientId} \\(limit 2\\)`));
    await forwarder.writeBatch([reading(a1, 5)]);

    // Each session gets exactly its partition's readings, in order.
    const received: number[][][] = [];
    for (const s of sessions) {
      const got: number[][] = [];
      const c = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { username: service.username, password: service.secret, clientId: s.clientId, clean: false, reconnectPeriod: 0 });
      await new Promise<void>((resolve) => {
        c.on('message', (_t, payload) => {
          got.push(decodeReadingBatch(payload).map((r) => (r.assetId === a0 ? 0 : 1) * 100 + r.ts));
          if (got.length === 2) resolve();
        });
      });
      await c.endAsync();
      received.push(got);
    }
    expect(received).toEqual([
      [[1], [2, 3]],
      [[101], [105]],
    ]);
  });
});
