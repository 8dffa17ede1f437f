import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { cmapssFile } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { TelemetryReading } from '@hourmeter/domain';
import { startTestBroker, type TestBroker } from '@hourmeter/sim-common/testing';
import { waitFor } from '@hourmeter/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createCmapssReplay, defaultReplayStart, loadReplayUnits } from './cmapss-replay.js';
import { parseUnitRange, unitReadings } from './replay.js';

const cmapss = cmapssTestData('train_FD001.txt');
const DATA = cmapss.dir;

/** The file read here without the project's parser: 26 numbers per line, unit and cycle first. */
function fileRows(file: string): number[][] {
  const path = cmapssFile(DATA, file);
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes)
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(/\s+/).map(Number));
}

/** What a row must look like as metrics: setting1..3 then s1..s21. */
function expectedMetrics(row: number[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (let i = 0; i < 3; i++) m[`setting${i + 1}`] = row[2 + i]!;
  for (let i = 0; i < 21; i++) m[`s${i + 1}`] = row[5 + i]!;
  return m;
}

describe.skipIf(!cmapss.available)('C-MAPSS replay', () => {
  let broker: TestBroker | undefined;
  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  it('turns every row of a unit into one reading, metric by metric, stamped start + cycle x hours per cycle', async () => {
    const [unit] = await loadReplayUnits(DATA, 'FD001', 'train', [7]);
    const rows = fileRows('train_FD001.txt').filter((r) => r[0] === 7);
    const readings = unitReadings(unit!, { startMs: 1_700_000_000_000, hoursPerCycle: 2.5 });
    expect(readings).toHaveLength(rows.length);
    readings.forEach((r, i) => {
      const row = rows[i]!;
      expect(r.ts).toBe(1_700_000_000_000 + row[1]! * 2.5 * 3_600_000);
      expect(r.metrics).toMatchObject(expectedMetrics(row));
      expect(r.metrics['cycle']).toBe(row[1]);
      expect(TelemetryReading.safeParse(r).success).toBe(true);
    });
  });

  it('publishes exactly the file rows over MQTT, one message per cycle, in order per unit', async () => {
    broker = await startTestBroker();
    const received = new Map<string, { ts: number; seq: number; metrics: Record<string, number | boolean> }[]>();
    broker.broker.on('publish', (packet, client) => {
      if (!client || !packet.topic.endsWith('/telemetry')) return;
      const id = packet.topic.split('/')[2]!;
      const list = received.get(id) ?? [];
      list.push(JSON.parse(packet.payload.toString()));
      received.set(id, list);
    });
    const unitNumbers = parseUnitRange('1-3');
    const units = await loadReplayUnits(DATA, 'FD001', 'train', unitNumbers);
    const startMs = defaultReplayStart(units, 1);
    const replay = createCmapssReplay({
      mqttUrl: broker.url,
      devices: unitNumbers.map((u) => ({ id: `cmapss-u${u}` })),
      units,
      timing: { startMs, hoursPerCycle: 1 },
      rate: 400,
    });
    await replay.start();
    await replay.allFinished;
    const file = fileRows('train_FD001.txt');
    const total = file.filter((r) => unitNumbers.includes(r[0]!)).length;
    await waitFor('every cycle at the broker', () => [...received.values()].reduce((s, l) => s + l.length, 0) === total);
    await waitFor('every PUBACK', () => replay.stats().totals.readingsAcked === total);
    await replay.stop();

    for (const u of unitNumbers) {
      const rows = file.filter((r) => r[0] === u);
      const got = received.get(`cmapss-u${u}`)!;
      expect(got).toHaveLength(rows.length);
      got.forEach((msg, i) => {
        const row = rows[i]!;
        expect(msg.seq).toBe(i);
        expect(msg.ts).toBe(startMs + row[1]! * 3_600_000);
        for (const [name, value] of Object.entries(expectedMetrics(row))) {
          // Numeric equality: the file's "-0.0000" is -0, which JSON writes as 0.
          expect(msg.metrics[name] === value, `unit ${u} cycle ${row[1]} ${name}: ${String(msg.metrics[name])} vs ${value}`).toBe(true);
        }
      });
    }
    // The last cycle of every training unit lies in the past, where the platform accepts it.
    expect(Math.max(...[...received.values()].flat().map((m) => m.ts))).toBeLessThanOrEqual(Date.now());
    expect(replay.stats().failures).toBe(3);
  });

  it('rejects bad unit ranges and unknown units', async () => {
    expect(() => parseUnitRange('3-1')).toThrow(/upwards/);
    expect(() => parseUnitRange('a')).toThrow(/bad unit range/);
    expect(parseUnitRange('5,1-3,2')).toEqual([1, 2, 3, 5]);
    await expect(loadReplayUnits(DATA, 'FD001', 'train', [101])).rejects.toThrow(/not found: 101/);
  });
});
