// The one token bucket of the repository: a burst of `capacity` tokens, refilled continuously at
// `perSecond`, with an injectable clock; and a keyed map of such buckets whose idle, refilled
// entries are swept so memory stays bounded by the number of active callers. Dependency-free, so
// every package can use it through the `@hsagent/relay/token-bucket` subpath: the relay (lines
// per connection), the substrate server (requests per account and IP) and the agent (lookups
// of never-seen peers).

/** Shape of a bucket. */
export interface TokenBucketOptions {
  /** Bucket size: the burst, and the tokens a new bucket starts with. */
  readonly capacity: number;
  /** Tokens added per second (the sustained rate). */
  readonly perSecond: number;
  /** Clock in ms (default `performance.now`); any monotonic or wall clock, used consistently. */
  readonly now?: () => number;
}

/** A continuously refilled token bucket. */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /** @param at - the time the bucket starts (full); default the clock's now */
  constructor(options: TokenBucketOptions, at?: number) {
    this.#capacity = options.capacity;
    this.#perSecond = options.perSecond;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.capacity;
    this.#at = at ?? this.#now();
  }

  /** Take one token at `at` (default the clock's now); false if the bucket is empty. */
  take(at: number = this.#now()): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((at - this.#at) / 1000) * this.#perSecond);
    this.#at = at;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Seconds until the next token, as of the last {@link take} (0 when one is there). */
  secondsToNextToken(): number {
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.#perSecond;
  }

  /** True when, by `at`, the bucket has refilled completely even if it was empty at its last use. */
  refilledBy(at: number): boolean {
    return at - this.#at > (this.#capacity / this.#perSecond) * 1000;
  }
}

/** Options of {@link KeyedTokenBuckets}: the shape of every bucket, and how often to sweep. */
export interface KeyedTokenBucketsOptions extends TokenBucketOptions {
  /** Sweep refilled buckets at most this often, ms (default 10 000). */
  readonly sweepEveryMs?: number;
}

/** One token bucket per key (an account, an address); refilled idle buckets are dropped. */
export class KeyedTokenBuckets {
  readonly #options: KeyedTokenBucketsOptions;
  readonly #sweepEveryMs: number;
  readonly #buckets = new Map<string, TokenBucket>();
  #lastSweep = 0;

  constructor(options: KeyedTokenBucketsOptions) {
    this.#options = options;
    this.#sweepEveryMs = options.sweepEveryMs ?? 10_000;
  }

  /** Buckets held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Take one token for `key` at `at` (default the clock's now): 0 if allowed, else the seconds
   * until that key's next token (fractional, > 0).
   */
  take(key: string, at: number = (this.#options.now ?? (() => performance.now()))()): number {
    this.#sweep(at);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#options, at);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(at) ? 0 : bucket.secondsToNextToken();
  }

  #sweep(at: number): void {
    if (at - this.#lastSweep < this.#sweepEveryMs) return;
    this.#lastSweep = at;
    for (const [key, bucket] of this.#buckets) if (bucket.refilledBy(at)) this.#buckets.delete(key);
  }
}
