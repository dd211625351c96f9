// The in-memory TTL cache in front of a nonce store: answers "seen" for
// nonces recorded within the window without a round-trip, and keeps refusing
// a replay inside the freshness window even after a purge deleted the durable
// record. Bounded: the oldest entries are evicted past maxEntries. Also the
// argument checks and the replay rule both nonce stores (memory, substrate) apply.

import { StoreError } from "./errors.js";
import { assertObjId } from "./guard.js";

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

/** Throws `INVALID_ARGUMENT` for a nonce that cannot be stored. */
export function checkNonce(nonce: string): void {
  if (!isNonceLike(nonce))
    throw new StoreError("nonce must be 1-200 URL-safe characters", "INVALID_ARGUMENT");
}

/** Throws `INVALID_ARGUMENT` for a handshake timestamp that is not a plausible epoch-ms value. */
export function checkTimestampMs(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 253_402_300_799_999)
    throw new StoreError("timestamp must be epoch milliseconds within years 1970..9999", "INVALID_ARGUMENT");
}

/** The argument checks of {@link NonceStore.admitHandshake}. */
export function checkHandshake(peerIdentityObjId: string, nonce: string, timestampMs: number): void {
  checkNonce(nonce);
  assertObjId(peerIdentityObjId, "peerIdentityObjId");
  checkTimestampMs(timestampMs);
}

/**
 * The replay rule of {@link NonceStore.admitHandshake}: a handshake older than the peer's mark
 * is a replay. Whole-second senders (HSAgent_2, v1) may send two handshakes within one second:
 * an equal timestamp passes for them unless this process saw the nonce (PROTOCOL.md §8).
 */
export function isBelowMark(mark: number | undefined, timestampMs: number, wholeSecond: boolean): boolean {
  return mark !== undefined && (timestampMs < mark || (timestampMs === mark && !wholeSecond));
}
