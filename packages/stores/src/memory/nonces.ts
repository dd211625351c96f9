// In-memory NonceStore: durable records live in the shared MemoryBackend (so a
// new instance — a "restarted process" — still sees them), with the same TTL
// cache in front as the substrate store.

import { StoreError } from "../errors.js";
import { assertObjId } from "../guard.js";
import { DEFAULT_NONCE_CACHE_TTL_MS, isNonceLike, NonceTtlCache } from "../nonce-cache.js";
import type { NonceStore } from "../types.js";
import type { MemoryBackend } from "./backend.js";

/** NonceStore over a {@link MemoryBackend}, for one agent. */
export class MemoryNonceStore implements NonceStore {
  readonly #backend: MemoryBackend;
  readonly #agentId: string;
  readonly #cache: NonceTtlCache;

  constructor(backend: MemoryBackend, agentId: string, options: { cacheTtlMs?: number } = {}) {
    this.#backend = backend;
    this.#agentId = agentId;
    this.#cache = new NonceTtlCache(options.cacheTtlMs ?? DEFAULT_NONCE_CACHE_TTL_MS);
  }

  #table(): Map<string, string> {
    let table = this.#backend.nonces.get(this.#agentId);
    if (!table) {
      table = new Map();
      this.#backend.nonces.set(this.#agentId, table);
    }
    return table;
  }

  async exists(nonce: string): Promise<boolean> {
    checkNonce(nonce);
    return this.#cache.has(nonce) || this.#table().has(nonce);
  }

  async recordIfNew(nonce: string, peerIdentityObjId: string): Promise<boolean> {
    checkNonce(nonce);
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    if (this.#cache.has(nonce) || this.#table().has(nonce)) {
      this.#cache.add(nonce);
      return false;
    }
    this.#table().set(nonce, peerIdentityObjId);
    this.#cache.add(nonce);
    return true;
  }

  async admitHandshake(
    peerIdentityObjId: string,
    nonce: string,
    timestampMs: number,
    options: { readonly wholeSecond: boolean },
  ): Promise<boolean> {
    checkNonce(nonce);
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    checkTimestampMs(timestampMs);
    if (this.#cache.has(nonce)) return false;
    let marks = this.#backend.marks.get(this.#agentId);
    if (!marks) {
      marks = new Map();
      this.#backend.marks.set(this.#agentId, marks);
    }
    const mark = marks.get(peerIdentityObjId);
    if (mark !== undefined && (timestampMs < mark || (timestampMs === mark && !options.wholeSecond))) {
      this.#cache.add(nonce);
      return false;
    }
    marks.set(peerIdentityObjId, timestampMs);
    this.#cache.add(nonce);
    return true;
  }

  async purgePeer(peerIdentityObjId: string): Promise<number> {
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    let n = 0;
    const table = this.#table();
    for (const [nonce, peer] of table) {
      if (peer === peerIdentityObjId) {
        table.delete(nonce);
        n++;
      }
    }
    return n;
  }
}

/** Throws `INVALID_ARGUMENT` for a handshake timestamp that is not a plausible epoch-ms value. */
export function checkTimestampMs(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 253_402_300_799_999)
    throw new StoreError("timestamp must be epoch milliseconds within years 1970..9999", "INVALID_ARGUMENT");
}

/** Throws `INVALID_ARGUMENT` for a nonce that cannot be stored. */
export function checkNonce(nonce: string): void {
  if (!isNonceLike(nonce))
    throw new StoreError("nonce must be 1-200 URL-safe characters", "INVALID_ARGUMENT");
}
