// In-memory token-bucket rate limiter (per account and per client IP). Buckets refill continuously;
// idle full buckets are swept so memory stays bounded by the number of active callers.

/** One bucket's shape: sustained rate and burst size. */
export interface BucketConfig {
  /** Tokens added per second (sustained requests/s). */
  ratePerSecond: number;
  /** Bucket capacity (burst). */
  burst: number;
}

/** Rate-limit settings; `false` turns limiting off (benches, fuzz tests). */
export interface RateLimitOptions {
  perAccount?: BucketConfig;
  perIp?: BucketConfig;
}

/**
 * Defaults: 1000 req/s per account with bursts of 4000; 2000 req/s per IP with bursts of 8000.
 * Sized for fleets: every agent of a tenant shares the account bucket, and a session costs an
 * agent about 10 requests, so 20 agents running sessions back to back stay well inside it.
 */
export const DEFAULT_RATE_LIMIT: Required<RateLimitOptions> = {
  perAccount: { ratePerSecond: 1000, burst: 4000 },
  perIp: { ratePerSecond: 2000, burst: 8000 },
};

interface Bucket {
  tokens: number;
  at: number;
}

/** A keyed token bucket. */
export class TokenBuckets {
  readonly #cfg: BucketConfig;
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep = 0;

  constructor(cfg: BucketConfig) {
    this.#cfg = cfg;
  }

  /** Take one token for `key`: 0 if allowed, else seconds to wait (≥ 1) for the next token. */
  take(key: string, now: number = Date.now()): number {
    this.#sweep(now);
    const { ratePerSecond, burst } = this.#cfg;
    const b = this.#buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond));
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 10_000) return;
    this.#lastSweep = now;
    const fullAfterMs = (this.#cfg.burst / this.#cfg.ratePerSecond) * 1000;
    for (const [k, b] of this.#buckets) if (now - b.at > fullAfterMs) this.#buckets.delete(k);
  }
}
