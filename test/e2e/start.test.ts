import { spawn, type ChildProcess } from 'node:child_process';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const ADMIN_KEY = 'hm_e2e_admin_key_0123456789abcdef';

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, args: string[] = []): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, HM_LOG_LEVEL: 'info', HM_MQTT_PORT: '0', HM_MQTT_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const running: Started[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.child.kill('SIGKILL');
});

describe('npm start (embedded runtime)', () => {
  it('serves /health and the registry with the demo fleet, then shuts down gracefully', async () => {
    const dir = tempDir();
    const server = start({ HM_DATA_DIR: dir.path, HM_HTTP_PORT: '0', HM_HTTP_HOST: '127.0.0.1', HM_ADMIN_KEY: ADMIN_KEY }, ['--demo']);
    running.push(server);
    let address = '';
    await waitFor(
      'the listening log line',
      () => {
        const line = server.stdout().split('\n').find((l) => l.includes('"hourmeter listening"'));
        if (line) address = JSON.parse(line).address;
        return address !== '';
      },
      { timeoutMs: 30_000 },
    );
    const health = await fetch(`${address}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', components: { database: { status: 'up' } } });

    const assets = await fetch(`${address}/api/v1/assets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(assets.status).toBe(200);
    expect(((await assets.json()) as { items: unknown[] }).items).toHaveLength(6);
    expect((await fetch(`${address}/api/v1/assets`)).status).toBe(401);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"shutdown complete"');
    expect(server.stdout() + server.stderr()).not.toContain(ADMIN_KEY);
    dir.cleanup();
  });

  it('prints a generated admin key once, on the first start only', async () => {
    const dir = tempDir();
    const first = start({ HM_DATA_DIR: dir.path, HM_HTTP_PORT: '0', HM_HTTP_HOST: '127.0.0.1' });
    running.push(first);
    await waitFor('the first start', () => first.stdout().includes('"hourmeter listening"'), { timeoutMs: 30_000 });
    const key = /hm_[A-Za-z0-9_-]{40,}/.exec(first.stderr())?.[0];
    expect(key).toBeDefined();
    first.child.kill('SIGTERM');
    await first.exited;

    const second = start({ HM_DATA_DIR: dir.path, HM_HTTP_PORT: '0', HM_HTTP_HOST: '127.0.0.1' });
    running.push(second);
    await waitFor('the second start', () => second.stdout().includes('"hourmeter listening"'), { timeoutMs: 30_000 });
    expect(second.stderr()).not.toMatch(/hm_[A-Za-z0-9_-]{40,}/);
    second.child.kill('SIGTERM');
    await second.exited;
    dir.cleanup();
  });

  it('refuses bad configuration naming the variable', async () => {
    const server = start({ HM_HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    running.push(server);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain('HM_HTTP_PORT');
    expect(server.stderr()).toContain('DATABASE_URL');
  });
});
