import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './servers.js';

/** The repository root (this file is packages/testkit/src/server-process.ts): the server runs from there. */
const ROOT = new URL('../../../', import.meta.url).pathname;

/** `npm start` as a child process, with its output kept for assertions and failure messages. */
export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** What the process logs once it serves (the "hourmeter listening" line). */
export interface Listening {
  role: string;
  address: string;
  mqttPort?: number;
  mqttWebSocket?: string;
  member?: string;
  partitions?: number[];
}

/** Starts the server on free ports (HTTP and MQTT on 127.0.0.1) with `env` on top. */
export function startServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HM_LOG_LEVEL: 'info',
      HM_HTTP_PORT: '0',
      HM_HTTP_HOST: '127.0.0.1',
      HM_MQTT_PORT: '0',
      HM_MQTT_HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits for the listening line; a process that exits first fails with its output. */
export async function listening(p: ServerProcess, timeoutMs = 40_000): Promise<Listening> {
  let line: string | undefined;
  await waitFor(
    'the listening log line',
    () => {
      line = p.output().split('\n').find((l) => l.includes('"hourmeter listening"'));
      if (!line && p.child.exitCode !== null) throw new Error(`exited with ${p.child.exitCode}:\n${p.output().slice(-4000)}`);
      return line !== undefined;
    },
    { timeoutMs },
  );
  return JSON.parse(line!) as Listening;
}

/** SIGTERM and wait, for processes still running. */
export async function stopServers(...procs: (ServerProcess | undefined)[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill('SIGTERM');
      await p.exited;
    }),
  );
}

/** The value of one Prometheus sample (`name{labels}`) on a process's /metrics, 0 when absent. */
export async function metricValue(address: string, sample: string): Promise<number> {
  const text = await (await fetch(`${address}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
