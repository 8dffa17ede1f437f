import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { waitFor } from '@hourmeter/testkit';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** Whether Debian's mosquitto is installed; where servers are required (CI), its absence fails instead of skipping. */
export function mosquittoAvailable(): boolean {
  if (existsSync(MOSQUITTO)) return true;
  const hint = `no ${MOSQUITTO}: install the Debian package mosquitto`;
  if (process.env.HM_TEST_REQUIRE_SERVERS === '1') throw new Error(hint);
  // Through stderr like vitest's own notices: the suites still report as skipped.
  process.stderr.write(`[bridge] ${hint}: suites skipped\n`);
  return false;
}

/** Debian's mosquitto in the foreground, persistent (its queue for our session survives a restart), lossless limits. */
export class Mosquitto {
  private child: ChildProcess | undefined;
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    writeFileSync(
      `${dir}/mosquitto.conf`,
      [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'max_queued_messages 0', 'max_inflight_messages 0', 'user root', 'log_dest none'].join('\n') + '\n',
    );
  }
  async start(): Promise<void> {
    this.child = spawn(MOSQUITTO, ['-c', `${this.dir}/mosquitto.conf`], { stdio: 'ignore' });
    await waitFor('mosquitto listening', () => new Promise<boolean>((resolve) => {
      const s = tcpConnect(this.port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    }));
  }
  /** SIGTERM: mosquitto writes its persistence file and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

