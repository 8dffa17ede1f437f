/**
 * Token bucket per device for rejection notices on `hm/v1/<id>/errors`. A
 * device that floods bad payloads and does not read its socket would
 * otherwise make the broker queue notices for it without bound, and a stuck
 * subscriber stalls aedes' shared delivery slots for every client.
 */
export class ErrorNoticeLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(deviceId: string): boolean {
    const t = this.now();
    let b = this.buckets.get(deviceId);
    if (!b) {
      b = { tokens: this.perSecond, at: t };
      this.buckets.set(deviceId, b);
    }
    b.tokens = Math.min(this.perSecond, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  forget(deviceId: string): void {
    this.buckets.delete(deviceId);
  }
}
