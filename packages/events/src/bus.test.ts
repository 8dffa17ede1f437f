import { newId } from '@hourmeter/domain';
import { describe, expect, it } from 'vitest';
import { createEventBus, deviceConnectionEvents, EVENT_TYPES, parseEnvelope, type AnyEnvelope } from './index.js';

function recordingLogger() {
  const errors: { obj: object; msg: string }[] = [];
  return { errors, logger: { error: (obj: object, msg: string) => void errors.push({ obj, msg }) } };
}

const alert = {
  id: newId('alert'),
  assetId: newId('asset'),
  failureMode: 'bearing',
  severity: 'high' as const,
  state: 'open' as const,
  evidence: { signals: [{ metric: 'vibration_rms', score: 5.1 }], windowFrom: 1000, windowTo: 2000 },
  raisedAt: 2000,
  lastDetectedAt: 2000,
  createdAt: 2000,
  updatedAt: 2000,
};

describe('event bus', () => {
  it('delivers typed, versioned envelopes to type and catch-all listeners', () => {
    const { logger } = recordingLogger();
    const bus = createEventBus({ logger, source: 'test', now: () => 5000 });
    const typed: string[] = [];
    const all: AnyEnvelope[] = [];
    bus.on('alert.raised', (e) => void typed.push(e.data.alert.id));
    bus.onAny((e) => void all.push(e));
    const sent = bus.emit('alert.raised', { alert });
    bus.emit('device.connected', { deviceId: newId('device'), at: 10, transport: 'tcp' });
    expect(typed).toEqual([alert.id]);
    expect(all.map((e) => e.type)).toEqual(['alert.raised', 'device.connected']);
    expect(sent).toMatchObject({ v: 1, type: 'alert.raised', at: 5000, source: 'test' });
    expect(sent.id).toMatch(/^evt_[0-9A-Z]{26}$/);
  });

  it('envelopes survive JSON and parse back with their schema (the MQTT wire format)', () => {
    const bus = createEventBus({ logger: recordingLogger().logger });
    const all: AnyEnvelope[] = [];
    bus.onAny((e) => void all.push(e));
    bus.emit('alert.raised', { alert });
    bus.emit('alert.transitioned', { alert: { ...alert, state: 'resolved', closedAt: 3000 }, from: 'open', to: 'resolved', actor: 'system', reason: 'cleared' });
    bus.emit('device.disconnected', { deviceId: newId('device'), at: 20, connectedSince: 10 });
    for (const e of all) expect(parseEnvelope(JSON.parse(JSON.stringify(e)))).toEqual(e);
    expect(() => parseEnvelope({ ...all[0], v: 2 })).toThrow();
    expect(() => parseEnvelope({ ...all[0], type: 'alert.exploded' })).toThrow();
    expect(() => parseEnvelope({ ...all[0], data: { alert: { ...alert, severity: 'apocalyptic' } } })).toThrow();
    expect(EVENT_TYPES).toEqual([
      'alert.raised',
      'alert.updated',
      'alert.transitioned',
      'workorder.created',
      'workorder.updated',
      'workorder.completed',
      'reserve.warning',
      'reserve.exhausted',
      'reserve.released',
      'device.connected',
      'device.disconnected',
      'ingest.rejected',
    ]);
  });

  it('logs throwing and rejecting listeners and keeps delivering to the others', async () => {
    const { logger, errors } = recordingLogger();
    const bus = createEventBus({ logger });
    const got: string[] = [];
    bus.onAny(() => {
      throw new Error('sync boom');
    });
    bus.onAny(async () => {
      throw new Error('async boom');
    });
    bus.onAny((e) => void got.push(e.type));
    expect(() => bus.emit('device.connected', { deviceId: newId('device'), at: 1, transport: 'ws' })).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['device.connected']);
    expect(errors.map((e) => e.msg)).toEqual(['event listener failed', 'event listener failed']);
    expect(bus.stats()).toMatchObject({ emitted: 1, listenerErrors: 2, listeners: 3 });
  });

  it('unsubscribes, also from inside a delivery', () => {
    const bus = createEventBus({ logger: recordingLogger().logger });
    let n = 0;
    const off = bus.on('device.connected', () => {
      n++;
      off();
    });
    const e = { deviceId: newId('device'), at: 1, transport: 'tcp' as const };
    bus.emit('device.connected', e);
    bus.emit('device.connected', e);
    expect(n).toBe(1);
    expect(bus.stats().listeners).toBe(0);
  });

  it('turns broker connection changes into device events', () => {
    const bus = createEventBus({ logger: recordingLogger().logger });
    const all: AnyEnvelope[] = [];
    bus.onAny((e) => void all.push(e));
    const deviceId = newId('device');
    const listener = deviceConnectionEvents(bus);
    listener({ kind: 'connected', state: { deviceId, connectedSince: 100, lastSeenAt: 100, transport: 'tcp', clientAddress: '10.0.0.5' } });
    listener({ kind: 'disconnected', state: { deviceId, disconnectedAt: 900, lastSeenAt: 800 }, connectedSince: 100 });
    expect(all.map((e) => [e.type, e.at, e.data])).toEqual([
      ['device.connected', 100, { deviceId, at: 100, transport: 'tcp', clientAddress: '10.0.0.5' }],
      ['device.disconnected', 900, { deviceId, at: 900, connectedSince: 100 }],
    ]);
    for (const e of all) expect(parseEnvelope(e)).toEqual(e);
  });
});
