// Back-off on failed password logins, per username and client address. The first few failures are
// free (the HSAgent_2 client's 401 → register → login dance costs one); after that each failure
// doubles the wait before the next attempt, up to a cap; a success clears it. Only one password
// check per (username, address) runs at a time, so a burst of concurrent guesses cannot all slip in
// before the first failure is counted. Keyed by address too, so a flood against a username from one
// place does not lock its owner out from another. Memory is bounded: idle entries are swept and the
// table is capped (oldest evicted).

/** Settings of {@link LoginBackoff}. */
export interface LoginBackoffOptions {
  /** Failures allowed before waits start (default 5). */
  freeFailures: number;
  /** First wait, ms (default 1000); doubles per further failure. */
  baseDelayMs: number;
  /** Longest wait, ms (default 300000 = 5 min). */
  maxDelayMs: number;
  /** Most entries kept (default 100000). */
  maxEntries: number;
}

/** Defaults: 5 free failures, then 1 s, 2 s, 4 s … up to 5 minutes. */
export const DEFAULT_LOGIN_BACKOFF: LoginBackoffOptions = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
  maxEntries: 100_000,
};

interface Entry {
  failures: number;
  /** No attempt before this time (ms). */
  until: number;
  inFlight: boolean;
  at: number;
}

/** Tracks failed logins per key; see the module header. */
export class LoginBackoff {
  readonly #opts: LoginBackoffOptions;
  readonly #entries = new Map<string, Entry>();
  #lastSweep = 0;

  constructor(opts: Partial<LoginBackoffOptions> = {}) {
    this.#opts = { ...DEFAULT_LOGIN_BACKOFF, ...opts };
  }

  /** Key for a username from an address. */
  static key(username: string, ip: string): string {
    return `${ip}\u0000${username}`;
  }

  /**
   * Start an attempt for `key`: 0 if it may proceed (call {@link finish} afterwards), else the
   * seconds (≥ 1) to wait before trying again.
   */
  begin(key: string, now: number = Date.now()): number {
    this.#sweep(now);
    const e = this.#entries.get(key);
    if (e) {
      if (e.inFlight) return 1;
      if (e.until > now) return Math.max(1, Math.ceil((e.until - now) / 1000));
      e.inFlight = true;
      e.at = now;
      // Re-insert so that Map order stays "least recently used first" for eviction.
      this.#entries.delete(key);
      this.#entries.set(key, e);
      return 0;
    }
    if (this.#entries.size >= this.#opts.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { failures: 0, until: 0, inFlight: true, at: now });
    return 0;
  }

  /** End an attempt started with {@link begin}: `ok` clears the key, a failure extends its wait. */
  finish(key: string, ok: boolean, now: number = Date.now()): void {
    const e = this.#entries.get(key);
    if (!e) return;
    if (ok) {
      this.#entries.delete(key);
      return;
    }
    e.inFlight = false;
    e.failures++;
    e.at = now;
    const over = e.failures - this.#opts.freeFailures;
    if (over > 0) {
      e.until = now + Math.min(this.#opts.maxDelayMs, this.#opts.baseDelayMs * 2 ** Math.min(30, over - 1));
    }
  }

  /** Abandon an attempt without counting it (e.g. the hash pool refused it). */
  cancel(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    if (e.failures === 0) this.#entries.delete(key);
    else e.inFlight = false;
  }

  /** Entries kept now (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 10_000) return;
    this.#lastSweep = now;
    // An entry idle for twice the longest wait starts over.
    const idleMs = 2 * this.#opts.maxDelayMs;
    for (const [k, e] of this.#entries) if (!e.inFlight && now - e.at > idleMs) this.#entries.delete(k);
  }
}
