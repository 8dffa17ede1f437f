import { mkdirSync, readFileSync } from 'node:fs';
import { createLogger } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore, type StoredReading, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeRecord } from './spool/record-codec.js';
import { Spool } from './spool/spool.js';
import { StoreDrainer } from './store-drainer.js';

const log = createLogger({ level: 'silent' });
const T0 = Date.UTC(2025, 0, 1);
const reading = (i: number): StoredReading => ({ assetId: 'ast_1', deviceId: 'dev_1', ts: T0 + i, seq: i, metrics: { v: i } });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real spool draining into a real DuckDB store; dead letters go to `deadLetterSubdir` of the test's directory. */
async function setup(deadLetterSubdir = 'spool', flushIntervalMs = 1) {
  const dir = tempDir('hm-drainer-');
  const store = await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 });
  const spool = await Spool.open({ dir: `${dir.path}/spool`, maxBytes: 1 << 24, segmentBytes: 1 << 20, fsync: 'group', commitIntervalMs: 1, memoryReadings: 1000, log });
  const dlq = `${dir.path}/${deadLetterSubdir}`;
  const drainer = new StoreDrainer(spool, store, { batchSize: 100, flushIntervalMs, retryBaseMs: 10, retryMaxMs: 40, deadLetterDir: dlq }, log);
  cleanups.push(async () => {
    await drainer.stop();
    await spool.close();
    await store.close();
    dir.cleanup();
  });
  return { dlq, store, spool, drainer, deadLetters: () => readFileSync(`${dlq}/dead-letter.jsonl`, 'utf8').trim().split('\n') };
}

const put = (spool: Spool, readings: StoredReading[]) => spool.append(encodeRecord(readings), readings);
const drained = (spool: Spool) => waitFor('spool drained', () => spool.stats().pendingReadings === 0, { timeoutMs: 5_000 });

async function storedSeqs(store: TelemetryStore): Promise<number[]> {
  const [series] = await store.queryRange({ assetId: 'ast_1', metrics: ['v'], from: T0, to: T0 + 1000 });
  return (series?.points ?? []).map((p) => p.value);
}

describe('StoreDrainer', () => {
  it("isolates a reading the embedded store's own checks refuse (a RangeError), and stores the rest of the batch", async () => {
    const t = await setup();
    const batch = Array.from({ length: 10 }, (_, i) => reading(i));
    batch[6] = { ...batch[6]!, ts: T0 + 6.5 }; // not integer epoch ms: DuckDB's adapter refuses it
    await put(t.spool, batch);
    t.drainer.start();
    await drained(t.spool);

    expect(await storedSeqs(t.store)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9]);
    expect(t.deadLetters().map((l) => (JSON.parse(l) as { reading: StoredReading }).reading.seq)).toEqual([6]);
    expect(t.drainer.stats()).toMatchObject({ deadLetteredReadings: 1, readingsWritten: 9, storeFailing: false });
  });

  it('restarts with backoff after failing itself, shows it meanwhile, and loses nothing', async () => {
    const t = await setup('dead-letters');
    await put(t.spool, [reading(0), { ...reading(1), ts: T0 + 1.5 }, reading(2)]);
    t.drainer.start();
    // Dead-lettering the refused reading fails while its directory is missing.
    await waitFor('the drainer to fail and restart', () => t.drainer.stats().drainerRestarts >= 2);
    // Caught while the restarted drainer is between the store refusing the bad
    // reading and failing again: its own failure must still be what it shows.
    const refusedBefore = t.drainer.stats().failedWrites;
    await waitFor('a write after the restart', () => t.drainer.stats().failedWrites > refusedBefore, { intervalMs: 1 });
    expect(t.drainer.stats()).toMatchObject({
      drainerStalled: true,
      drainerError: { message: expect.stringMatching(/ENOENT/) },
      lastError: { message: expect.stringMatching(/must be integer epoch ms/) },
    });
    expect(t.drainer.blocked).toBe(true);
    expect(t.spool.stats().pendingReadings).toBe(3);

    mkdirSync(t.dlq);
    await drained(t.spool);
    expect(t.drainer.stats()).toMatchObject({ drainerStalled: false, deadLetteredReadings: 1 });
    expect(await storedSeqs(t.store)).toEqual([0, 2]);
  });

  it('flushes a partial batch on time when the wall clock steps back (NTP) while it waits', async () => {
    const t = await setup('spool', 300);
    const realNow = Date.now.bind(Date);
    let offsetMs = 2 * 3_600_000;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
    cleanups.push(() => void vi.restoreAllMocks());
    t.drainer.start();
    await put(t.spool, [reading(0)]);
    // The drainer has seen the partial batch with the clock 2 h ahead; now the clock steps back.
    await waitFor('the drainer waiting on the partial batch', () => t.spool.pendingStoreReadings() === 1);
    offsetMs = 0;
    await put(t.spool, [reading(1)]);
    await drained(t.spool);
    expect(await storedSeqs(t.store)).toEqual([0, 1]);
  });
});

