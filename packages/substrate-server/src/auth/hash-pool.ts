// A bounded pool for password hashing (scrypt costs ~150 ms of CPU and 32 MiB per call). At most
// `concurrency` hashes run at once, at most `queue` wait, and no single client address may hold more
// than half of all places; anything beyond is refused at once with 429 and a Retry-After, so a login
// flood can neither queue work without bound nor starve other callers.

import { ApiError } from "../errors.js";

/** Sizes of a {@link HashPool}. */
export interface HashPoolOptions {
  /** Hashes running at once (default 2). */
  concurrency: number;
  /** Hashes waiting for a slot (default 16). */
  queue: number;
}

/** Defaults: two hashes at once (about 2 × 32 MiB), sixteen waiting. */
export const DEFAULT_HASH_POOL: HashPoolOptions = { concurrency: 2, queue: 16 };

/** 429 answered when the pool (or one caller's share of it) is full. */
export class PoolFullError extends ApiError {
  /** Seconds the client should wait. */
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super(429, "RATE_LIMITED", "too many password checks in progress; retry later");
    this.retryAfter = retryAfter;
  }
}

/** Runs password hashes with bounded concurrency and a bounded, per-caller-fair queue. */
export class HashPool {
  readonly #opts: HashPoolOptions;
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  /** Places (running or waiting) held per caller key. */
  readonly #held = new Map<string, number>();

  constructor(opts: Partial<HashPoolOptions> = {}) {
    const o = { ...DEFAULT_HASH_POOL, ...opts };
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error("concurrency must be >= 1");
    if (!Number.isInteger(o.queue) || o.queue < 0) throw new Error("queue must be >= 0");
    this.#opts = o;
  }

  /** Hashes running now. */
  get running(): number {
    return this.#running;
  }

  /** Hashes waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Run `work` when a slot is free, on behalf of `caller` (e.g. the client address). Throws
   * {@link PoolFullError} at once when the queue, or the caller's share, is full.
   */
  async run<T>(caller: string, work: () => Promise<T>): Promise<T> {
    const { concurrency, queue } = this.#opts;
    const total = concurrency + queue;
    const share = Math.max(1, Math.floor(total / 2));
    const mine = this.#held.get(caller) ?? 0;
    const busy = this.#running >= concurrency;
    if (mine >= share || (busy && this.#waiting.length >= queue)) {
      throw new PoolFullError(1 + Math.floor(this.#waiting.length / concurrency / 4));
    }
    this.#held.set(caller, mine + 1);
    try {
      if (this.#running >= concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
      else this.#running++;
      try {
        return await work();
      } finally {
        const next = this.#waiting.shift();
        if (next) next();
        else this.#running--;
      }
    } finally {
      const left = (this.#held.get(caller) ?? 1) - 1;
      if (left <= 0) this.#held.delete(caller);
      else this.#held.set(caller, left);
    }
  }
}
