import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { TelemetryMessage } from '@hourmeter/messages';
import { createLogger } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngest, type Ingest, type IngestConfig } from './index.js';
import { switchableStore, type SwitchableStore } from './testing/switchable-store.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2025, 0, 1);
const device = { deviceId: 'dev_1', assetId: 'ast_1' };

interface Node {
  ingest: Ingest;
  store: SwitchableStore;
  spoolDir: string;
  values(): Promise<number[]>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startIngest(config: Partial<IngestConfig> = {}): Promise<Node> {
  const dir = tempDir('hm-ingest-');
  const store = switchableStore(await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 }));
  const spoolDir = `${dir.path}/spool`;
  const ingest = await createIngest({
    logger,
    store,
    config: { spoolDir, fsyncIntervalMs: 2, flushIntervalMs: 5, batchSize: 500, retryBaseMs: 10, retryMaxMs: 50, ...config },
  });
  cleanups.push(async () => {
    await ingest.close();
    await store.close();
    dir.cleanup();
  });
  return {
    ingest,
    store,
    spoolDir,
    async values() {
      const [series] = await store.queryRange({ assetId: device.assetId, metrics: ['v'], from: T0, to: T0 + 1_000_000 });
      return (series?.points ?? []).map((p) => p.value);
    },
  };
}

const message = (readings: readonly object[]): TelemetryMessage => ({
  ...device,
  topic: `hm/v1/${device.deviceId}/telemetry`,
  payload: Buffer.from(JSON.stringify(readings)),
  qos: 1,
  receivedAt: Date.now(),
});

/** `n` readings from `from` on, with a few metrics so they take some room in the spool. */
const readings = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({ ts: T0 + from + k, seq: from + k, metrics: { v: from + k, temp_c: 41.25, rpm: 1480, running: true } }));

describe('a duplicate of a reading whose append is still in flight', () => {
  it('is not acknowledged when that append fails', async () => {
    const n = await startIngest({ segmentBytes: 64 * 1024 });
    n.store.down = true; // nothing leaves the spool, and no publish is held for backpressure
    for (let i = 0; n.ingest.health().spool.diskBytes < 64 * 1024; i += 500) await n.ingest.accept(message(readings(i, 500)));
    // The active segment is full, so the next commit starts a new file: in a
    // directory that is gone, the append fails (as on a full or failing disk).
    rmSync(n.spoolDir, { recursive: true });

    const reading = { ts: T0 + 999_999, seq: 1, metrics: { v: 1 } };
    const original = n.ingest.accept(message([reading]));
    const copy = n.ingest.accept(message([reading]));
    await expect(original).rejects.toThrow(/ENOENT/);
    expect(await copy).toMatchObject({ status: 'refused', code: 'OVERLOADED' });
  });

  it('is acknowledged, as a duplicate, once that append is durable', async () => {
    const n = await startIngest({ fsyncIntervalMs: 20 });
    const reading = { ts: T0, seq: 1, metrics: { v: 1 } };
    const settled: string[] = [];
    const original = n.ingest.accept(message([reading])).then((o) => (settled.push('original'), o));
    const copy = n.ingest.accept(message([reading])).then((o) => (settled.push('copy'), o));
    expect(await original).toMatchObject({ status: 'accepted', accepted: 1, duplicates: 0 });
    expect(await copy).toMatchObject({ status: 'accepted', accepted: 0, duplicates: 1 });
    expect(settled).toEqual(['original', 'copy']);
    await n.ingest.drained();
    expect(await n.values()).toEqual([1]);
  });
});

describe('readings the store refuses', () => {
  it('dead-letters only the reading the store refuses for good, stores the rest of its batch and goes on draining', async () => {
    const n = await startIngest();
    n.store.refuses = (r) => r.seq === 5;
    expect(await n.ingest.accept(message(readings(0, 12)))).toMatchObject({ status: 'accepted', accepted: 12 });
    await n.ingest.drained(5_000);

    expect((await n.values()).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    const lines = readFileSync(`${n.spoolDir}/dead-letter.jsonl`, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { at: expect.any(Number), reason: expect.stringMatching(/HTTP 400/), reading: { ...device, ts: T0 + 5, seq: 5, metrics: readings(5, 1)[0]!.metrics } },
    ]);
    const health = n.ingest.health();
    expect(health.store).toMatchObject({ deadLetteredReadings: 1, storeFailing: false, drainerStalled: false });
    expect(n.ingest.deviceCounters(device.deviceId)).toMatchObject({ accepted: 12, deadLettered: 1 });

    // Later batches are not held up behind it.
    await n.ingest.accept(message(readings(100, 3)));
    await n.ingest.drained(5_000);
    expect(await n.values()).toHaveLength(14);
  });

  it('dead-letters nothing when the store fails for a while and then recovers', async () => {
    const n = await startIngest();
    n.store.down = true;
    await n.ingest.accept(message(readings(0, 20)));
    await waitFor('retries', () => n.store.failedWrites >= 3);
    expect(n.ingest.health().store.storeFailing).toBe(true);
    n.store.down = false;
    await n.ingest.drained(5_000);

    expect(await n.values()).toHaveLength(20);
    expect(n.ingest.health().store).toMatchObject({ deadLetteredReadings: 0, storeFailing: false });
    expect(existsSync(`${n.spoolDir}/dead-letter.jsonl`)).toBe(false);
  });
});
