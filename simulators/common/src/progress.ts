import { FAULT_KINDS } from './faults.js';
import type { RunnerStats } from './runner.js';

const mb = (b: number): string => `${(b / 1_048_576).toFixed(0)}MB`;

/** One status line: what the operator watches while a run is live. */
export function progressLine(s: RunnerStats, prev?: { totals: { readingsSent: number }; elapsedMs: number }): string {
  const dt = prev ? (s.elapsedMs - prev.elapsedMs) / 1000 : s.elapsedMs / 1000;
  const rate = dt > 0 ? (s.totals.readingsSent - (prev?.totals.readingsSent ?? 0)) / dt : 0;
  const faults = FAULT_KINDS.filter((k) => s.totals.faults[k] > 0)
    .map((k) => `${k}=${s.totals.faults[k]}`)
    .join(' ');
  return [
    `t=${(s.elapsedMs / 1000).toFixed(0)}s`,
    `connected ${s.connected}/${s.devices}`,
    `sent ${s.totals.readingsSent} acked ${s.totals.readingsAcked} (${rate.toFixed(0)}/s)`,
    `failures ${s.failures} (down ${s.failedNow})`,
    s.finished > 0 ? `finished ${s.finished}` : '',
    s.totals.errorsReceived > 0 ? `errors ${s.totals.errorsReceived}` : '',
    s.behind > 0 ? `behind ${s.behind}` : '',
    faults ? `faults ${faults}` : '',
    `cpu ${s.usage.cpuPercent.toFixed(0)}% rss ${mb(s.usage.rssBytes)}`,
  ]
    .filter(Boolean)
    .join(' | ');
}
