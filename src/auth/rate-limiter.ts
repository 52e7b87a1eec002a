/**
 * Counts attempts per key in a fixed one-minute window. In-process by design: sign-in attempts
 * reach the instance that serves them; the per-account lockout in the database covers the rest.
 */
export class MinuteRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  /** Records one attempt; false when the key is over its limit for the current minute. */
  take(key: string, now = Date.now()): boolean {
    const w = this.windows.get(key);
    if (w === undefined || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) this.prune(now);
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= this.perMinute;
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(key);
  }
}
