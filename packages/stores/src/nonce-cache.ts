// The in-memory TTL cache in front of a nonce store: answers "seen" for
// nonces recorded within the window without a round-trip, and keeps refusing
// a replay inside the freshness window even after a purge deleted the durable
// record. Bounded: the oldest entries are evicted past maxEntries.

/** A set of nonces whose entries expire after `ttlMs`. */
export class NonceTtlCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, number>();

  constructor(ttlMs: number, maxEntries = 100_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** True if `nonce` was added less than ttlMs ago. */
  has(nonce: string): boolean {
    const expires = this.#entries.get(nonce);
    if (expires === undefined) return false;
    if (expires <= this.#now()) {
      this.#entries.delete(nonce);
      return false;
    }
    return true;
  }

  /** Adds (or refreshes) `nonce`. */
  add(nonce: string): void {
    this.#entries.delete(nonce);
    this.#entries.set(nonce, this.#now() + this.#ttlMs);
    if (this.#entries.size > this.#maxEntries) {
      // Map iteration order is insertion order: drop the oldest.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Number of live-or-expired entries held. */
  get size(): number {
    return this.#entries.size;
  }
}

/** Default cache window: freshness TTL (60 s) + clock skew (30 s) + margin. */
export const DEFAULT_NONCE_CACHE_TTL_MS = 120_000;

/** Checks a handshake nonce: 1–200 URL-safe chars (HSAgent nonces are 32 lowercase hex). */
export function isNonceLike(nonce: unknown): nonce is string {
  return typeof nonce === "string" && /^[A-Za-z0-9_.~-]{1,200}$/.test(nonce);
}
