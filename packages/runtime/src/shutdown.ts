import type { Logger } from 'pino';

export type ShutdownHook = { name: string; close: () => Promise<void> | void };

/**
 * Graceful shutdown: hooks run in reverse registration order (the HTTP server,
 * registered last, stops taking requests before the stores it uses are
 * flushed). The whole run finishes within the timeout and every hook runs: a
 * hook may use what is left of the budget minus a reserve kept for each hook
 * after it, so one that hangs is abandoned (logged, exit code 1) and the
 * stores registered first are still flushed and closed.
 */
export class Shutdown {
  private readonly hooks: ShutdownHook[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
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
    const hooks = [...this.hooks].reverse();
    this.logger.info({ reason, hooks: hooks.length }, 'shutting down');
    const deadline = this.now() + this.timeoutMs;
    // A quarter of the budget is shared out as reserves, so a hanging hook cannot starve the ones after it.
    const reserve = hooks.length > 0 ? this.timeoutMs / 4 / hooks.length : 0;
    let failed = false;
    let closed = 0;
    for (const [i, hook] of hooks.entries()) {
      const budgetMs = Math.max(0, deadline - this.now() - reserve * (hooks.length - 1 - i));
      const started = this.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => hook.close()),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not close within ${Math.round(budgetMs)} ms`)), budgetMs);
          }),
        ]);
        closed++;
        this.logger.info({ hook: hook.name, ms: this.now() - started }, 'closed');
      } catch (err) {
        failed = true;
        this.logger.error({ err, hook: hook.name }, 'close failed');
      } finally {
        clearTimeout(timer);
      }
    }
    this.logger.info({ failed, closed, hooks: hooks.length }, 'shutdown complete');
    if (failed) throw new Error('shutdown finished with errors');
  }
}
