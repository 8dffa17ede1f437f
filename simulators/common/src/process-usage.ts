/** The simulator's own footprint, printed so benchmarks can subtract it from the platform's. */
export interface ProcessUsage {
  /** CPU time used since the baseline, ms (user + system). */
  cpuMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** cpuMs / wall ms since the baseline, in % of one core. */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Wall ms since the baseline. */
  wallMs: number;
}

/** CPU use between two readings, in % of one core: the steady state without the start-up. */
export function cpuPercentBetween(a: ProcessUsage, b: ProcessUsage): number {
  const wall = b.wallMs - a.wallMs;
  return wall > 0 ? (100 * (b.cpuMs - a.cpuMs)) / wall : 0;
}

export interface UsageMeter {
  read(): ProcessUsage;
}

export function usageMeter(): UsageMeter {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    read() {
      const d = process.cpuUsage(cpu0);
      const wall = Math.max(1, performance.now() - t0);
      const mem = process.memoryUsage();
      const cpuMs = (d.user + d.system) / 1000;
      return {
        cpuMs,
        cpuUserMs: d.user / 1000,
        cpuSystemMs: d.system / 1000,
        cpuPercent: (100 * cpuMs) / wall,
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        wallMs: wall,
      };
    },
  };
}
