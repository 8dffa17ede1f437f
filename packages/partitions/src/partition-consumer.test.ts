import { type Broker, createBroker, inMemoryDevices } from '@hourmeter/broker';
import { waitFor } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPartitionConsumer, type PartitionConsumer } from './partition-consumer.js';
import { allPartitionsFilter, partitionTopic } from './partition-topics.js';
import { decodeReadingBatch, encodeReadingBatch, PoisonMessageError } from './reading-batch.js';

const silent = pino({ level: 'silent' });
const SECRET = 'partition-consumer-test-secret-0123';
const TOPIC = partitionTopic(0, 'telemetry');

const reading = (ts: number) => ({ assetId: 'ast_1', deviceId: 'dev_1', ts, metrics: { v: ts } });

describe('partition consumer (real aedes over TCP, mqtt.js)', () => {
  let broker: Broker;
  const consumers: PartitionConsumer[] = [];

  beforeEach(async () => {
    broker = await createBroker({
      logger: silent,
      devices: inMemoryDevices([]),
      ingress: { accept: async () => ({ status: 'accepted', accepted: 0, duplicates: 0, rejections: [] }) },
      services: [{ username: 'hm-ingest', secret: SECRET, publish: [], subscribe: [allPartitionsFilter('telemetry')] }],
      tcp: { port: 0, host: '127.0.0.1' },
    });
  });
  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.close();
    await broker.close();
  });

  function consume(handle: (payload: Buffer) => Promise<void>): PartitionConsumer {
    const c = startPartitionConsumer({
      url: `mqtt://127.0.0.1:${broker.tcpPort}`,
      username: 'hm-ingest',
      password: SECRET,
      clientId: 'hm-ingest-p0',
      topic: TOPIC,
      handle,
      logger: silent,
      retryBaseMs: 10,
    });
    consumers.push(c);
    return c;
  }
  const subscribed = () => waitFor('the partition session subscribed', async () => (await broker.durableSubscribers(TOPIC)).length === 1);

  it('hands messages over in order and retries a failing one until it succeeds', async () => {
    const seen: number[] = [];
    let failures = 2;
    const c = consume(async (payload) => {
      const [r] = decodeReadingBatch(payload);
      if (r!.ts === 2 && failures-- > 0) throw new Error('store down');
      seen.push(r!.ts);
    });
    await subscribed();
    for (const ts of [1, 2, 3]) await broker.publish(TOPIC, encodeReadingBatch([reading(ts)]), { qos: 1 });
    await waitFor('three messages processed', () => c.processed() === 3);
    expect(seen).toEqual([1, 2, 3]);
    expect(failures).toBe(-1);
  });

  it('does not acknowledge a message it had not finished: the next owner of the session gets it', async () => {
    const first: number[] = [];
    const a = consume(async (payload) => {
      first.push(decodeReadingBatch(payload)[0]!.ts);
      throw new Error('store down');
    });
    await subscribed();
    await broker.publish(TOPIC, encodeReadingBatch([reading(7)]), { qos: 1 });
    await waitFor('the first owner trying', () => first.length > 0);
    await a.close();
    consumers.splice(consumers.indexOf(a), 1);
    expect(a.processed()).toBe(0);

    // Published while no one consumes: queued in the session.
    await broker.publish(TOPIC, encodeReadingBatch([reading(8)]), { qos: 1 });
    const second: number[] = [];
    const b = consume(async (payload) => {
      second.push(decodeReadingBatch(payload)[0]!.ts);
    });
    await waitFor('the next owner processing both', () => b.processed() === 2);
    expect(second).toEqual([7, 8]);
  });

  it('acknowledges an unreadable message once, so it cannot block the partition', async () => {
    const seen: number[] = [];
    let poisoned = 0;
    const c = consume(async (payload) => {
      try {
        seen.push(decodeReadingBatch(payload)[0]!.ts);
      } catch (err) {
        expect(err).toBeInstanceOf(PoisonMessageError);
        poisoned++;
        throw err;
      }
    });
    await subscribed();
    await broker.publish(TOPIC, Buffer.from('{"not":"a batch"}'), { qos: 1 });
    await broker.publish(TOPIC, encodeReadingBatch([reading(9)]), { qos: 1 });
    await waitFor('both messages acknowledged', () => c.processed() === 2);
    expect([poisoned, seen]).toEqual([1, [9]]);
  });
});
