import type { IngressOutcome, TelemetryIngress } from '@hourmeter/messages';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker, inMemoryDevices } from './index.js';

/** The MQTT versions the README promises, checked against the embedded broker (aedes 1.2). */
const ingress: TelemetryIngress = { accept: async (): Promise<IngressOutcome> => ({ status: 'accepted', accepted: 1, duplicates: 0, rejections: [] }) };
const secret = newSecret();
const dev = { id: 'dev_versions', assetId: 'ast_versions', secret, secretHash: hashSecret(secret), status: 'active' };
let broker: Broker;

beforeAll(async () => {
  broker = await createBroker({ logger: createLogger({ level: 'silent' }), devices: inMemoryDevices([dev]), ingress, tcp: { port: 0 }, ws: false });
});
afterAll(() => broker.close());

const connect = (protocolVersion: 3 | 4 | 5) =>
  connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, {
    clientId: dev.id, username: dev.id, password: dev.secret, protocolVersion, reconnectPeriod: 0, connectTimeout: 3_000,
    ...(protocolVersion === 3 ? { protocolId: 'MQIsdp' as const } : {}),
  });

describe('MQTT versions of the embedded broker', () => {
  it.each([3, 4] as const)('serves protocol level %i (MQTT 3.1 / 3.1.1)', async (v) => {
    const c = await connect(v);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('refuses MQTT 5 (protocol level 5): such devices go through the bridge', async () => {
    await expect(connect(5)).rejects.toThrow();
  });
});
