// In-memory token-bucket rate limiter (per account and per client IP). Buckets refill continuously;
// idle full buckets are swept so memory stays bounded by the number of active callers.

import { KeyedTokenBuckets } from "@hsagent/relay/token-bucket";

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

/** A keyed token bucket (the shared `@hsagent/relay/token-bucket`), answering in whole seconds. */
export class TokenBuckets {
  readonly #buckets: KeyedTokenBuckets;

  constructor(cfg: BucketConfig) {
    this.#buckets = new KeyedTokenBuckets({ capacity: cfg.burst, perSecond: cfg.ratePerSecond });
  }

  /** Take one token for `key`: 0 if allowed, else seconds to wait (≥ 1) for the next token. */
  take(key: string, now: number = Date.now()): number {
    const wait = this.#buckets.take(key, now);
    return wait === 0 ? 0 : Math.max(1, Math.ceil(wait));
  }
}
