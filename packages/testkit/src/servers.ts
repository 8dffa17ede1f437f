import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A server process started for the test run; `stop` kills it and removes its data. */
export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
  /** Stops the server and keeps its data (a store outage, as `npm run chaos` injects it). */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and data; resolves once it serves. */
  resume(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Polls `check` until it resolves true or the deadline passes. A check that
 * throws counts as "not yet" (a server still starting refuses connections);
 * the last error is part of the timeout message, so a failure says why.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin; PATH is the fallback. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const bin = join(root, major, 'bin');
      if (existsSync(join(bin, 'initdb'))) return bin;
    }
  }
  try {
    const initdb = execFileSync('which', ['initdb'], { encoding: 'utf8' }).trim();
    return initdb ? join(initdb, '..') : undefined;
  } catch {
    return undefined;
  }
}

export function findOnPath(binary: string): string | undefined {
  try {
    return execFileSync('which', [binary], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 with trust auth. initdb refuses to
 * run as root, so as root the cluster belongs to the `postgres` system user.
 */
export async function startPostgres(bin: string): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hm-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pgUser = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const pgGroup = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(pgUser), Number(pgGroup));
  }
  const run = (file: string, args: string[]) =>
    asRoot
      ? spawn('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const init = run(join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    let err = '';
    init.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    init.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed: ${err}`))));
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const launch = async () => {
    const server = run(join(bin, 'postgres'), [
      '-D', dir, '-h', '127.0.0.1', '-p', String(port), '-k', dir,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]);
    let log = '';
    server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    await waitFor('postgres to accept connections', () => {
      if (server.exitCode !== null) throw new Error(`postgres exited: ${log}`);
      return log.includes('ready to accept connections');
    }, { timeoutMs: 30_000 });
    return server;
  };
  let server = await launch();
  return {
    url,
    async stop() {
      await stopProcess(server);
      rmSync(dir, { recursive: true, force: true });
    },
    async halt() {
      // pg_ctl's fast mode, as an operator stops it: clients are disconnected, open transactions roll back.
      const ctl = run(join(bin, 'pg_ctl'), ['-D', dir, '-m', 'fast', '-w', 'stop']);
      await new Promise<void>((resolve, reject) => ctl.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl stop exited with ${code}`)))));
      await stopProcess(server);
    },
    async resume() {
      server = await launch();
    },
  };
}

/** Debian's influxd 1.x in the foreground with its data under a temp dir. */
export async function startInfluxd(binary: string): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hm-influx-'));
  const [port, bindPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(config, [
    'reporting-enabled = false',
    `bind-address = "127.0.0.1:${bindPort}"`,
    '[meta]', `  dir = "${join(dir, 'meta')}"`,
    '[data]', `  dir = "${join(dir, 'data')}"`, `  wal-dir = "${join(dir, 'wal')}"`, '  query-log-enabled = false',
    '[http]', `  bind-address = "127.0.0.1:${port}"`, '  log-enabled = false',
    '[monitor]', '  store-enabled = false',
    '',
  ].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const server = spawn(binary, ['-config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    await waitFor('influxd to answer /ping', async () => {
      if (server.exitCode !== null) throw new Error(`influxd exited: ${log}`);
      const res = await fetch(`${url}/ping`);
      return res.status === 204;
    }, { timeoutMs: 30_000 });
    return server;
  };
  let server = await launch();
  return {
    url,
    async stop() {
      await stopProcess(server);
      rmSync(dir, { recursive: true, force: true });
    },
    async halt() {
      await stopProcess(server);
    },
    async resume() {
      server = await launch();
    },
  };
}

/**
 * Debian's redis-server 7 in the foreground on 127.0.0.1. By default nothing
 * is persisted (`--save ''`, no AOF): every test run starts from an empty
 * keyspace. `appendOnly` turns on the AOF with an fsync per write, as a
 * production Redis that must survive a restart is configured.
 */
export async function startRedis(binary: string, { appendOnly = false } = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hm-redis-'));
  const port = await freePort();
  const persistence = appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const launch = async () => {
    const server = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    let ready = false;
    const collect = (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
      ready ||= log.includes('Ready to accept connections');
    };
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);
    await waitFor('redis-server to accept connections', () => {
      if (server.exitCode !== null) throw new Error(`redis-server exited: ${log}`);
      return ready;
    }, { timeoutMs: 30_000 });
    return server;
  };
  let server = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopProcess(server);
      rmSync(dir, { recursive: true, force: true });
    },
    async halt() {
      await stopProcess(server);
    },
    async resume() {
      server = await launch();
    },
  };
}
