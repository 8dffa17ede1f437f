import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { describe, expect, it } from 'vitest';
import { telemetryStoreContract } from '../contract.js';
import { CRASH_BATCH_SIZE, CRASH_T0 } from './fixtures/crash-batch.js';
import { createDuckDbTelemetryStore } from './store.js';

// Twice: with the default threshold every write stays staged until a read
// merges it; with a tiny one every write merges (dedup against the table).
for (const mergeThreshold of [undefined, 150]) {
  telemetryStoreContract(`DuckDB (embedded, mergeThreshold ${mergeThreshold ?? 'default'})`, async () => {
    const dir = tempDir('hm-duckdb-');
    const store = await createDuckDbTelemetryStore({ dataDir: dir.path, mergeThreshold, threads: 1 });
    return {
      store,
      async cleanup() {
        await store.close();
        dir.cleanup();
      },
    };
  });
}

describe('DuckDB telemetry store', () => {
  it('keeps acknowledged readings across close and reopen, and still deduplicates', async () => {
    const dir = tempDir('hm-duckdb-');
    try {
      const reading = { assetId: 'ast_1', deviceId: 'dev_1', ts: 1_700_000_000_123, seq: 5, metrics: { temp: 21.37 } };
      const a = await createDuckDbTelemetryStore({ dataDir: dir.path });
      await a.writeBatch([reading]);
      await a.close();
      const b = await createDuckDbTelemetryStore({ dataDir: dir.path });
      await b.writeBatch([reading, { ...reading, ts: reading.ts + 1, metrics: { temp: 22, rpm: 1500 } }]);
      const [temp, rpm] = await b.queryRange({ assetId: 'ast_1', metrics: ['temp', 'rpm'], from: reading.ts, to: reading.ts + 2 });
      expect(temp!.points).toEqual([{ ts: reading.ts, value: 21.37 }, { ts: reading.ts + 1, value: 22 }]);
      expect(rpm!.points).toEqual([{ ts: reading.ts + 1, value: 1500 }]);
      await b.close();
      expect(await b.ping()).toBe(false);
    } finally {
      dir.cleanup();
    }
  });

  it('rejects a batch with a non-finite value and stores none of it', async () => {
    const dir = tempDir('hm-duckdb-');
    const store = await createDuckDbTelemetryStore({ dataDir: dir.path });
    try {
      const ok = { assetId: 'ast_1', deviceId: 'dev_1', ts: 1000, metrics: { temp: 1 } };
      await expect(store.writeBatch([ok, { ...ok, ts: 2000, metrics: { temp: Number.NaN } }])).rejects.toThrow(/not finite/);
      expect(await store.latest('ast_1')).toEqual([]);
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});

describe('DuckDB telemetry store durability', () => {
  it('keeps every acknowledged batch when the process is killed with SIGKILL', async () => {
    const dir = tempDir('hm-duckdb-crash-');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/write-until-killed.ts', import.meta.url)), dir.path], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let lastAcked = -1;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const m of chunk.matchAll(/acked (\d+)/g)) lastAcked = Math.max(lastAcked, Number(m[1]));
      });
      // Enough batches that merges and checkpoints have run (threshold 500 readings).
      await waitFor('40 acknowledged batches', () => {
        if (child.exitCode !== null) throw new Error(`writer exited early: ${stderr}`);
        return lastAcked >= 40;
      }, { timeoutMs: 20_000 });
      child.kill('SIGKILL');
      await exited;
      const acked = lastAcked; // read after exit: every line the child printed

      const store = await createDuckDbTelemetryStore({ dataDir: dir.path });
      try {
        const [k] = await store.queryRange({
          assetId: 'ast_crash', metrics: ['k'], from: CRASH_T0, to: CRASH_T0 + (acked + 1) * CRASH_BATCH_SIZE * 1000,
        });
        const expected = Array.from({ length: (acked + 1) * CRASH_BATCH_SIZE }, (_, i) => i);
        expect(k!.points.map((p) => p.value)).toEqual(expected);
      } finally {
        await store.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe('DuckDB telemetry store concurrency', () => {
  it('serialises concurrent writes and reads on its one connection', async () => {
    const dir = tempDir('hm-duckdb-');
    const store = await createDuckDbTelemetryStore({ dataDir: dir.path, mergeThreshold: 300 });
    try {
      const batches = Array.from({ length: 20 }, (_, n) =>
        Array.from({ length: 50 }, (_, i) => ({
          assetId: 'ast_c', deviceId: `dev_${n % 3}`, ts: 1_000_000 + (n * 50 + i) * 10, seq: n * 50 + i,
          metrics: { v: n * 50 + i, [`m_${n % 4}`]: 1 },
        })),
      );
      // Writes, reads and a retention delete race; the queue orders them.
      const ops: Promise<unknown>[] = [];
      batches.forEach((b, n) => {
        ops.push(store.writeBatch(b));
        if (n % 5 === 0) ops.push(store.queryRange({ assetId: 'ast_c', metrics: ['v'], from: 0, to: 2_000_000 }));
        if (n % 7 === 0) ops.push(store.latest('ast_c'));
      });
      // An invalid batch among them fails alone (validated before group commit).
      const bad = expect(
        store.writeBatch([{ assetId: 'ast_c', deviceId: 'dev_x', ts: 5, metrics: { v: Number.POSITIVE_INFINITY } }]),
      ).rejects.toThrow(/not finite/);
      ops.push(store.deleteBefore(1_000_000 + 100 * 10));
      await Promise.all(ops);
      await bad;
      const [v] = await store.queryRange({ assetId: 'ast_c', metrics: ['v'], from: 0, to: 2_000_000 });
      expect(v!.points.map((p) => p.value)).toEqual(Array.from({ length: 900 }, (_, i) => i + 100));
      const latest = await store.latest('ast_c');
      expect(latest.map((l) => l.metric)).toEqual(['m_0', 'm_1', 'm_2', 'm_3', 'v']);
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});
