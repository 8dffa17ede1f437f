import { MAX_FUTURE_SKEW_MS, TelemetryReading } from '@hourmeter/domain';
import { waitFor } from '@hourmeter/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_KINDS, FaultConfig, FaultPlanner, emptyFaultCounts } from './faults.js';
import { deriveSeed, mulberry32, prngFor } from './prng.js';
import { createDeviceRunner, type Runner } from './runner.js';
import type { ReadingSource } from './source.js';
import { observeTelemetry, startTestBroker, type TestBroker } from './testing.js';

describe('prng', () => {
  it('is reproducible from its seed, and streams derived from different parts differ', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(deriveSeed(7, 1, 'duty')).not.toBe(deriveSeed(7, 1, 'life'));
    expect(deriveSeed(7, 1, 'duty')).not.toBe(deriveSeed(7, 2, 'duty'));
    expect(deriveSeed(7, 12, 'x')).not.toBe(deriveSeed(71, 2, 'x'));
    const n = prngFor(1, 'normal');
    const zs = Array.from({ length: 20_000 }, () => n.normal());
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const sd = Math.sqrt(zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe('fault planner', () => {
  it('injects nothing by default', () => {
    const p = new FaultPlanner(FaultConfig.parse({}), mulberry32(1));
    for (let i = 0; i < 1000; i++) {
      expect(p.planReading()).toEqual({ drop: false, offlineFor: 0, skewMs: 0, duplicate: false, holdBack: false, malformed: undefined });
      expect(p.planConnect()).toBe(false);
    }
  });

  it("draws each kind from its own slot: one kind's rate does not move another's decisions", () => {
    const plan = (duplicate: number) => {
      const p = new FaultPlanner(FaultConfig.parse({ duplicate, outOfOrder: 0.1 }), mulberry32(3));
      return Array.from({ length: 500 }, () => p.planReading().holdBack);
    };
    expect(plan(0.5)).toEqual(plan(0));
    const holds = plan(0).filter(Boolean).length;
    expect(holds).toBeGreaterThan(25);
    expect(holds).toBeLessThan(80);
  });

  it('keeps a skew episode for skewReadings readings', () => {
    const p = new FaultPlanner(FaultConfig.parse({ skew: 1, skewReadings: 3, skewMs: 1000 }), mulberry32(3));
    expect(Array.from({ length: 6 }, () => p.planReading().skewMs)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
  });

  it('refuses rates outside 0..1', () => {
    expect(FaultConfig.safeParse({ drop: 1.5 }).success).toBe(false);
    expect(FaultConfig.safeParse({ nonsense: 1 }).success).toBe(false);
  });
});

/** Readings a minute in the past, so only a skew fault can put one in the future. */
function counterSource(): ReadingSource {
  let k = 0;
  return { next: () => ({ ts: Date.now() - 60_000, metrics: { running: true, k: k++ } }) };
}

describe('fault injection over MQTT', () => {
  let broker: TestBroker | undefined;
  let runner: Runner | undefined;
  afterEach(async () => {
    await runner?.stop();
    await broker?.close();
    runner = broker = undefined;
  });

  it('counts exactly what it injects, as seen by an independent observer at the broker', async () => {
    const n = 12;
    const passwords = new Map(Array.from({ length: n }, (_, i) => [`dev-${i}`, `secret-${i}`]));
    broker = await startTestBroker({ passwords });
    const observed = observeTelemetry(
      broker.broker,
      (item) => {
        const r = TelemetryReading.safeParse(item);
        return r.success ? { ok: true, ts: r.data.ts, ...(r.data.seq !== undefined ? { seq: r.data.seq } : {}) } : { ok: false };
      },
      MAX_FUTURE_SKEW_MS,
    );
    runner = createDeviceRunner({
      mqttUrl: broker.url,
      rate: 80,
      seed: 99,
      faults: { drop: 0.01, offline: 0.01, offlineReadings: 4, skew: 0.02, skewReadings: 3, duplicate: 0.05, outOfOrder: 0.05, malformed: 0.04, wrongSecret: 0.3 },
      devices: Array.from({ length: n }, (_, i) => ({ id: `dev-${i}`, password: `secret-${i}`, source: counterSource() })),
    });
    await runner.start();
    await waitFor('2,000 readings', () => runner!.stats().totals.produced >= 2000, { timeoutMs: 20_000 });
    await runner.stop();
    const r = runner;
    await waitFor('the observer to see every acked reading', () => {
      let unique = 0;
      for (const d of observed.values()) unique += d.unique;
      return unique === r.stats().totals.produced;
    });

    expect(r.stats().pending).toBe(0);
    const total = emptyFaultCounts();
    for (const [id, c] of r.perDevice()) {
      const o = observed.get(id)!;
      expect(o, id).toBeDefined();
      expect(c.resent, `${id} resent`).toBe(0);
      expect(c.readingsAcked, id).toBe(c.readingsSent);
      expect(o.unique, `${id} unique readings`).toBe(c.produced);
      expect(o.duplicates, `${id} duplicates`).toBe(c.faults.duplicate);
      expect(o.malformedJson, `${id} malformed json`).toBe(c.faults.malformed_json);
      expect(o.malformedSchema, `${id} malformed schema`).toBe(c.faults.malformed_schema);
      expect(o.late, `${id} out of order`).toBe(c.faults.out_of_order);
      expect(o.future, `${id} future`).toBe(c.faults.skew_future);
      expect(o.batches, `${id} batches`).toBe(c.backlogBatches);
      expect(o.batchReadings, `${id} batch readings`).toBe(c.backlogReadings);
      expect(o.sessions, `${id} sessions`).toBe(c.connects);
      expect(c.connects, `${id} reconnects`).toBe(1 + c.faults.disconnect + c.faults.offline);
      expect(c.authRefused, `${id} refused`).toBe(c.faults.wrong_secret);
      for (const k of FAULT_KINDS) total[k] += c.faults[k];
    }
    expect(broker.refused).toBe(total.wrong_secret);
    // Every kind was exercised, so the equalities above are not 0 = 0.
    for (const k of FAULT_KINDS) expect(total[k], k).toBeGreaterThan(0);
    expect(total.skew_future).toBe(total.skew);
  });
});
