// Token bucket used for the relay's per-connection rate limit: a burst of `capacity`
// lines, refilled continuously at `capacity` per `periodMs`.

/** A continuously refilled token bucket. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  /**
   * @param capacity - burst size and tokens added per period
   * @param periodMs - refill period (60 000 for "per minute")
   * @param now - monotonic clock in ms (injectable for tests)
   */
  constructor(
    private readonly capacity: number,
    periodMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
    this.perMs = capacity / periodMs;
  }

  /** Take one token; false if the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
