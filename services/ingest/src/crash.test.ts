import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hashSecret, newSecret } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';

const NODE_SCRIPT = fileURLToPath(new URL('./testing/broker-ingest-node.ts', import.meta.url));
const T0 = Date.UTC(2025, 0, 1);

interface Running {
  child: ChildProcess;
  port: number;
  lines: string[];
}

async function startNode(config: object): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  await waitFor('node ready', () => lines.some((l) => l.startsWith('READY')) || child.exitCode !== null, { timeoutMs: 30_000 });
  const ready = lines.find((l) => l.startsWith('READY'));
  if (!ready) throw new Error(`node exited with ${child.exitCode}`);
  return { child, port: Number(ready.split(' ')[1]), lines };
}

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));

describe('kill -9 during ingest', () => {
  it('loses no acknowledged reading: the spool is replayed after restart', async () => {
    const dir = tempDir('hm-crash-');
    const secret = newSecret();
    const dev = { id: 'dev_crash', assetId: 'ast_crash', secretHash: hashSecret(secret) };
    const config = { spoolDir: `${dir.path}/spool`, storeDir: `${dir.path}/store`, devices: [dev] };
    try {
      const first = await startNode(config);
      const client = await connectAsync(`mqtt://127.0.0.1:${first.port}`, {
        clientId: dev.id,
        username: dev.id,
        password: secret,
        reconnectPeriod: 0,
      });
      client.on('error', () => undefined);
      const acked = new Set<number>();
      let sent = 0;
      let dead = false;
      client.on('close', () => (dead = true));
      // Keep ~64 QoS 1 publishes in flight, each a small batch of 5 readings.
      const pump = (async () => {
        while (!dead && sent < 200_000) {
          while (sent - acked.size > 64 && !dead) await new Promise((r) => setTimeout(r, 1));
          const i = sent++;
          const batch = Array.from({ length: 5 }, (_, k) => ({ ts: T0 + i * 5 + k, seq: i * 5 + k, metrics: { v: i * 5 + k } }));
          client.publish(`hm/v1/${dev.id}/telemetry`, JSON.stringify(batch), { qos: 1 }, (err) => {
            if (!err) acked.add(i);
          });
        }
      })();
      await waitFor('a stream of acknowledged publishes', () => acked.size >= 1500, { timeoutMs: 30_000 });
      first.child.kill('SIGKILL');
      await exited(first.child);
      await pump;
      client.end(true);
      const ackedAtKill = acked.size;
      expect(sent).toBeGreaterThan(ackedAtKill); // it died mid-stream, with publishes unacknowledged

      // Restart on the same spool; SIGTERM drains the spool into the store and closes it.
      const second = await startNode(config);
      second.child.kill('SIGTERM');
      await exited(second.child);
      expect({ code: second.child.exitCode, signal: second.child.signalCode, out: second.lines }).toMatchObject({ code: 0 });
      console.log(`acked ${ackedAtKill} of ${sent} publishes at kill; restart replayed: ${second.lines.join(" | ")}`);

      const store = await createDuckDbTelemetryStore({ dataDir: config.storeDir, threads: 1 });
      try {
        const [series] = await store.queryRange({ assetId: dev.assetId, metrics: ['v'], from: T0, to: T0 + sent * 5 + 5 });
        const stored = new Set(series!.points.map((p) => p.ts - T0));
        const missing = [...acked].flatMap((i) => [0, 1, 2, 3, 4].map((k) => i * 5 + k)).filter((r) => !stored.has(r));
        expect(missing).toEqual([]);
        // Stored once each, even where the replay re-sent readings the store already had.
        expect(series!.points.length).toBe(stored.size);
      } finally {
        await store.close();
      }
    } finally {
      dir.cleanup();
    }
  }, 120_000);
});
