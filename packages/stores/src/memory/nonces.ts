// In-memory NonceStore: durable records live in the shared MemoryBackend (so a
// new instance — a "restarted process" — still sees them), with the same TTL
// cache in front as the substrate store.

import { assertObjId } from "../guard.js";
import {
  checkHandshake,
  checkNonce,
  DEFAULT_NONCE_CACHE_TTL_MS,
  isBelowMark,
  NonceTtlCache,
} from "../nonce-cache.js";
import type { LocalVerdict, NonceStore } from "../types.js";
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
    return this.#backend.tableOf(this.#backend.nonces, this.#agentId, () => new Map());
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
    checkHandshake(peerIdentityObjId, nonce, timestampMs);
    if (this.#cache.has(nonce)) return false;
    const marks = this.#backend.tableOf(this.#backend.marks, this.#agentId, () => new Map<string, number>());
    if (isBelowMark(marks.get(peerIdentityObjId), timestampMs, options.wholeSecond)) {
      this.#cache.add(nonce);
      return false;
    }
    marks.set(peerIdentityObjId, timestampMs);
    this.#cache.add(nonce);
    return true;
  }

  localVerdict(
    peerIdentityObjId: string,
    nonce: string,
    timestampMs: number,
    options: { readonly wholeSecond: boolean },
  ): LocalVerdict {
    if (this.#cache.has(nonce)) return "replay";
    const mark = this.#backend.marks.get(this.#agentId)?.get(peerIdentityObjId);
    if (mark === undefined) return "unknown";
    return isBelowMark(mark, timestampMs, options.wholeSecond) ? "replay" : "fresh";
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
