import type { Logger } from 'pino';

export type ShutdownHook = { name: string; close: () => Promise<void> | void };

/**
 * Graceful shutdown: hooks run in reverse registration order (the HTTP server,
 * registered last, stops taking requests before the stores it uses are
 * flushed), each bounded by the overall timeout so a stuck hook cannot keep the
 * process alive.
 */
export class Shutdown {
  private readonly hooks: ShutdownHook[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  register(name: string, close: () => Promise<void> | void): void {
    this.hooks.push({ name, close });
  }

  run(reason: string): Promise<void> {
    this.running ??= this.closeAll(reason);
    return this.running;
  }

  /** Installs SIGINT/SIGTERM handlers that close everything, then exit. */
  onSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    const handler = (signal: NodeJS.Signals) => {
      this.run(signal).then(
        () => exit(0),
        () => exit(1),
      );
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }

  private async closeAll(reason: string): Promise<void> {
    this.logger.info({ reason, hooks: this.hooks.length }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`shutdown timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    let failed = false;
    try {
      for (const hook of [...this.hooks].reverse()) {
        try {
          await Promise.race([hook.close(), deadline]);
          this.logger.debug({ hook: hook.name }, 'closed');
        } catch (err) {
          failed = true;
          this.logger.error({ err, hook: hook.name }, 'close failed');
          if (err instanceof Error && err.message.startsWith('shutdown timed out')) break;
        }
      }
    } finally {
      clearTimeout(timer);
    }
    this.logger.info({ failed }, 'shutdown complete');
    if (failed) throw new Error('shutdown finished with errors');
  }
}
