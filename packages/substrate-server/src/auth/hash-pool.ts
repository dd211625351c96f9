// A bounded pool for password hashing (scrypt costs ~150 ms of CPU and 32 MiB per call). At most
// `concurrency` hashes run at once and at most `queue` wait. Places are also rationed per caller:
// one client address may hold at most half of all places, and one username at most `perName`
// (default 1: one check per username at a time, across all addresses), so a flood of one name,
// from one address or from many, holds one worker and leaves the others to everyone else.
// Anything beyond is refused at once with 429 and a Retry-After, never queued.

import { ApiError } from "../errors.js";

/** Sizes of a {@link HashPool}. */
export interface HashPoolOptions {
  /** Hashes running at once (default 2). */
  concurrency: number;
  /** Hashes waiting for a slot (default 16). */
  queue: number;
  /** Places (running or waiting) one username may hold (default 1). */
  perName: number;
}

/** Defaults: two hashes at once (about 2 × 32 MiB), sixteen waiting, one per username. */
export const DEFAULT_HASH_POOL: HashPoolOptions = { concurrency: 2, queue: 16, perName: 1 };

/** On whose behalf a hash runs. */
export interface HashCaller {
  /** The client (its address). */
  client: string;
  /** The username the password belongs to, if any. */
  name?: string;
}

/** 429 answered when the pool (or one caller's share of it) is full. */
export class PoolFullError extends ApiError {
  /** Seconds the client should wait. */
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super(429, "RATE_LIMITED", "too many password checks in progress; retry later");
    this.retryAfter = retryAfter;
  }
}

/** Counts held per key; a key at zero is dropped. */
class Holdings {
  readonly #held = new Map<string, number>();

  get(key: string): number {
    return this.#held.get(key) ?? 0;
  }

  add(key: string, delta: number): void {
    const n = this.get(key) + delta;
    if (n <= 0) this.#held.delete(key);
    else this.#held.set(key, n);
  }
}

/** Runs password hashes with bounded concurrency and a bounded, per-client and per-name fair queue. */
export class HashPool {
  readonly #opts: HashPoolOptions;
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #byClient = new Holdings();
  readonly #byName = new Holdings();

  constructor(opts: Partial<HashPoolOptions> = {}) {
    const o = { ...DEFAULT_HASH_POOL, ...opts };
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error("concurrency must be >= 1");
    if (!Number.isInteger(o.queue) || o.queue < 0) throw new Error("queue must be >= 0");
    if (!(o.perName >= 1)) throw new Error("perName must be >= 1");
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
   * Run `work` when a slot is free, on behalf of `caller` (a client address, or the address and
   * the username). Throws {@link PoolFullError} at once when the queue, the client's share or the
   * name's share is full.
   */
  async run<T>(caller: string | HashCaller, work: () => Promise<T>): Promise<T> {
    const { client, name } = typeof caller === "string" ? { client: caller, name: undefined } : caller;
    const { concurrency, queue, perName } = this.#opts;
    const share = Math.max(1, Math.floor((concurrency + queue) / 2));
    const busy = this.#running >= concurrency;
    if (
      this.#byClient.get(client) >= share ||
      (name !== undefined && this.#byName.get(name) >= perName) ||
      (busy && this.#waiting.length >= queue)
    ) {
      throw new PoolFullError(1 + Math.floor(this.#waiting.length / concurrency / 4));
    }
    this.#byClient.add(client, 1);
    if (name !== undefined) this.#byName.add(name, 1);
    try {
      if (busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
      else this.#running++;
      try {
        return await work();
      } finally {
        const next = this.#waiting.shift();
        if (next) next();
        else this.#running--;
      }
    } finally {
      this.#byClient.add(client, -1);
      if (name !== undefined) this.#byName.add(name, -1);
    }
  }
}
