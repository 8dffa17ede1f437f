import type { IngressOutcome, TelemetryIngress } from '@hourmeter/messages';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { waitFor } from '@hourmeter/testkit';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker, inMemoryDevices } from './index.js';

/**
 * A plant behind one NAT address: one revoked unit keeps retrying while the
 * rest of the site reconnects. With the default throttle, none of the valid
 * devices may pay for the revoked one's failures (issue 22, finding 1).
 */
const ingress: TelemetryIngress = {
  accept: async (): Promise<IngressOutcome> => ({ status: 'accepted', accepted: 1, duplicates: 0, rejections: [] }),
};

const device = (id: string, status = 'active') => {
  const secret = newSecret();
  return { id, assetId: `ast_${id}`, secret, secretHash: hashSecret(secret), status };
};
const fleet = Array.from({ length: 100 }, (_, i) => device(`dev_site_${i}`));
const revoked = device('dev_revoked', 'revoked');

let broker: Broker;
const connected: MqttClient[] = [];

beforeAll(async () => {
  broker = await createBroker({
    logger: createLogger({ level: 'silent' }),
    devices: inMemoryDevices([...fleet, revoked]),
    ingress,
    tcp: { port: 0, host: '127.0.0.1' },
    ws: false,
  });
});

afterAll(async () => {
  for (const c of connected) c.end(true);
  await broker.close();
});

/** One retry loop of the revoked unit: reconnects 100 ms after each refusal until stopped. */
async function retryLoop(stop: { done: boolean }): Promise<void> {
  while (!stop.done) {
    await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, {
      clientId: revoked.id,
      username: revoked.id,
      password: revoked.secret,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
    }).then(
      (c) => c.end(true),
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Connects the fleet in waves of ten at once (a site coming back after a power cut); each device's connect time in ms. */
async function connectFleet(): Promise<number[]> {
  const latencies: number[] = [];
  for (let wave = 0; wave < 10; wave++) {
    await Promise.all(
      fleet.slice(wave * 10, wave * 10 + 10).map(async (d) => {
        const started = performance.now();
        const c = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, {
          clientId: d.id,
          username: d.id,
          password: d.secret,
          reconnectPeriod: 0,
          connectTimeout: 30_000,
        });
        latencies.push(performance.now() - started);
        connected.push(c);
      }),
    );
  }
  return latencies;
}

async function disconnectFleet(): Promise<void> {
  await Promise.all(connected.splice(0).map((c) => c.endAsync(true)));
  await waitFor('fleet offline', () => broker.stats().onlineDevices === 0);
}

describe('logins behind one NAT address', () => {
  it('connects 100 valid devices beside a revoked one retrying, none delayed by more than 100 ms', async () => {
    // What connecting costs on this machine without the storm: the delay is measured against it.
    const baseline = await connectFleet();
    await disconnectFleet();
    const stop = { done: false };
    // Several connections of the unit retry at once, as a gateway's clients or a restart loop do.
    const storm = Array.from({ length: 12 }, () => retryLoop(stop));
    try {
      const refusals = () => broker.stats().authFailures.not_active + broker.stats().authFailures.throttled;
      await waitFor('revoked device refused repeatedly', () => refusals() >= 12);
      const latencies = await connectFleet();
      expect(latencies).toHaveLength(100);
      expect(broker.stats().onlineDevices).toBe(100);
      expect(Math.max(...latencies)).toBeLessThan(Math.max(...baseline) + 100);
      // The revoked unit was slowed down all along: its checks wait, doubling.
      expect(broker.stats().authDelayedAttempts).toBeGreaterThan(0);
    } finally {
      stop.done = true;
      await Promise.all(storm);
    }
  }, 60_000);
});
