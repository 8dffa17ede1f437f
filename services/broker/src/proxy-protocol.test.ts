import { connect as tcpConnect } from 'node:net';
import type { IngressOutcome, TelemetryIngress } from '@hourmeter/messages';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { waitFor } from '@hourmeter/testkit';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker, inMemoryDevices } from './index.js';
import { parseProxyHeader } from './proxy-protocol.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function v2(srcIp4: number[], srcPort: number): Buffer {
  const h = Buffer.alloc(16 + 12);
  SIG.copy(h, 0);
  h[12] = 0x21; // version 2, PROXY
  h[13] = 0x11; // TCP over IPv4
  h.writeUInt16BE(12, 14);
  Buffer.from(srcIp4).copy(h, 16);
  Buffer.from([10, 0, 0, 2]).copy(h, 20);
  h.writeUInt16BE(srcPort, 24);
  h.writeUInt16BE(1883, 26);
  return h;
}

describe('parseProxyHeader', () => {
  it('reads v1 TCP4, TCP6 and UNKNOWN headers and says how long they are', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.2 51234 1883\r\n';
    expect(parseProxyHeader(Buffer.from(`${line}\x10rest`))).toEqual({
      status: 'ok',
      header: { kind: 'proxied', sourceAddress: '203.0.113.7', sourcePort: 51234 },
      length: line.length,
    });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 4000 1883\r\n'))).toMatchObject({
      status: 'ok',
      header: { sourceAddress: '2001:db8::7', sourcePort: 4000 },
    });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toMatchObject({ status: 'ok', header: { kind: 'local' } });
  });

  it('reads v2 PROXY (IPv4, IPv6) and LOCAL headers', () => {
    expect(parseProxyHeader(Buffer.concat([v2([198, 51, 100, 9], 40000), Buffer.from([0x10])]))).toEqual({
      status: 'ok',
      header: { kind: 'proxied', sourceAddress: '198.51.100.9', sourcePort: 40000 },
      length: 28,
    });
    const six = Buffer.alloc(16 + 36);
    SIG.copy(six, 0);
    six[12] = 0x21;
    six[13] = 0x21;
    six.writeUInt16BE(36, 14);
    six.writeUInt16BE(0x2001, 16);
    six.writeUInt16BE(0x0db8, 18);
    six.writeUInt16BE(7, 30);
    six.writeUInt16BE(5555, 48);
    expect(parseProxyHeader(six)).toMatchObject({ status: 'ok', header: { sourceAddress: '2001:db8:0:0:0:0:0:7', sourcePort: 5555 } });
    const local = Buffer.alloc(16);
    SIG.copy(local, 0);
    local[12] = 0x20;
    expect(parseProxyHeader(local)).toEqual({ status: 'ok', header: { kind: 'local' }, length: 16 });
  });

  it('waits for more bytes on a partial header and refuses anything else', () => {
    expect(parseProxyHeader(Buffer.from('PRO'))).toEqual({ status: 'incomplete' });
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4'))).toEqual({ status: 'incomplete' });
    expect(parseProxyHeader(v2([1, 2, 3, 4], 1).subarray(0, 20))).toEqual({ status: 'incomplete' });
    expect(parseProxyHeader(Buffer.from([0x10, 0x20]))).toMatchObject({ status: 'invalid' }); // a bare MQTT CONNECT
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 x 1883\r\n'))).toMatchObject({ status: 'invalid' });
    expect(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'9'.repeat(120)}`))).toMatchObject({ status: 'invalid' });
  });
});

class NullIngress implements TelemetryIngress {
  async accept(): Promise<IngressOutcome> {
    return { status: 'accepted', accepted: 1, duplicates: 0, rejections: [] };
  }
}

describe('MQTT listener behind a load balancer speaking PROXY protocol', () => {
  const secret = newSecret();
  const dev = { id: 'dev_proxied', assetId: 'ast_p', secretHash: hashSecret(secret), status: 'active' };
  let broker: Broker;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await createBroker({
      logger: createLogger({ level: 'silent' }),
      devices: inMemoryDevices([dev]),
      ingress: new NullIngress(),
      tcp: { port: 0, proxyProtocol: true },
      authThrottle: { baseDelayMs: 200, maxDelayMs: 1_000 },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await broker.close();
  });

  /** An mqtt.js client whose connection starts with the header a balancer would send for `from`. */
  function via(from: number[], opts: { clientId: string; username: string; password: string }): Promise<MqttClient> {
    const c = new MqttClient(() => {
      const s = tcpConnect(broker.tcpPort!, '127.0.0.1');
      s.write(v2(from, 40000));
      return s;
    }, { ...opts, reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4 });
    clients.push(c);
    return new Promise((resolve, reject) => {
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
  }

  it('records the address from the header, not the balancer\'s', async () => {
    await via([203, 0, 113, 7], { clientId: dev.id, username: dev.id, password: secret });
    await waitFor('device online', () => broker.connections.get(dev.id)?.online === true);
    expect(broker.connections.get(dev.id)!.clientAddress).toBe('203.0.113.7');
  });

  it('throttles failed logins per client address, so one bad device does not slow the rest of the fleet', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(via([198, 51, 100, 66], { clientId: 'dev_bad', username: 'dev_bad', password: 'guess' })).rejects.toThrow(/Bad username/);
    }
    const delayedBefore = broker.stats().authDelayedAttempts;
    const started = Date.now();
    await via([203, 0, 113, 8], { clientId: dev.id, username: dev.id, password: secret });
    // Same balancer socket address, other client address: no delay applied.
    expect(broker.stats().authDelayedAttempts).toBe(delayedBefore);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('drops a connection that does not start with a PROXY header', async () => {
    const s = tcpConnect(broker.tcpPort!, '127.0.0.1');
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.on('error', () => undefined);
    // An MQTT 3.1.1 CONNECT straight away, as a client bypassing the balancer would send.
    s.write(Buffer.from('101000044d5154540402003c000464657631', 'hex'));
    await closed;
  });
});
