/** Latency samples in ms, bucketed by millisecond so millions of samples cost little memory. */
export class LatencyRecorder {
  private readonly counts = new Map<number, number>();
  private total = 0;

  record(ms: number): void {
    const bucket = Math.max(0, Math.round(ms));
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.total++;
  }

  /** The q-th percentile in ms (0 when nothing was recorded). */
  p(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil((q / 100) * this.total);
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return bucket;
    }
    return 0;
  }
}
