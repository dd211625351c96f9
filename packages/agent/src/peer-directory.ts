/**
 * Who is who on the relay: peer identities from the registry with a bounded, short-lived cache of
 * negative answers and a token bucket on lookups of ids we have never seen, so a flood of random
 * agentIds cannot make us hammer the substrate (PROTOCOL.md §1: unknown senders are dropped).
 * Known identities are trusted for `identityTtlMs` only, then re-read from the registry: a revoked
 * identity stops being accepted, and a rotated key becomes the new pin, within that time.
 * Concurrent lookups of one id share one request.
 */

import { TokenBucket } from "@hsagent/relay/token-bucket";
import type { AgentIdentity, IdentityRegistry } from "@hsagent/stores";

/** Options of {@link PeerDirectory}. */
export interface PeerDirectoryOptions {
  /** How long a "not registered" answer is trusted, ms (default 5000). */
  negativeTtlMs?: number;
  /** Most negative answers kept (default 10000; oldest evicted first). */
  maxNegative?: number;
  /** Lookups of never-seen ids per second (default 20), burst `lookupBurst` (default 50). */
  lookupsPerSecond?: number;
  lookupBurst?: number;
  /** How long a known identity is trusted before it is re-read, ms (default 300000). */
  identityTtlMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** Result of {@link PeerDirectory.resolve}. */
export type Resolution =
  | { kind: "known"; identity: AgentIdentity }
  | { kind: "unknown" }
  | { kind: "throttled" };

/** Peer identity lookups with negative caching and flood protection. */
export class PeerDirectory {
  readonly #registry: IdentityRegistry;
  readonly #known = new Map<string, { identity: AgentIdentity; until: number }>();
  readonly #identityTtlMs: number;
  readonly #negative = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<AgentIdentity | null>>();
  readonly #negativeTtlMs: number;
  readonly #maxNegative: number;
  readonly #now: () => number;
  readonly #lookups: TokenBucket;

  constructor(registry: IdentityRegistry, options: PeerDirectoryOptions = {}) {
    this.#registry = registry;
    this.#negativeTtlMs = options.negativeTtlMs ?? 5000;
    this.#maxNegative = options.maxNegative ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#lookups = new TokenBucket({
      capacity: options.lookupBurst ?? 50,
      perSecond: options.lookupsPerSecond ?? 20,
      now: this.#now,
    });
    this.#identityTtlMs = options.identityTtlMs ?? 300_000;
  }

  /** The cached identity of a known peer, if any and still inside its TTL (no I/O). */
  cached(agentId: string): AgentIdentity | undefined {
    const hit = this.#known.get(agentId);
    return hit && hit.until > this.#now() ? hit.identity : undefined;
  }

  /** Known / unknown / throttled, with at most one substrate lookup per id at a time. */
  async resolve(agentId: string): Promise<Resolution> {
    const known = this.#known.get(agentId);
    if (known && known.until > this.#now()) return { kind: "known", identity: known.identity };
    const until = this.#negative.get(agentId);
    if (until !== undefined) {
      if (until > this.#now()) return { kind: "unknown" };
      this.#negative.delete(agentId);
    }
    let running = this.#inFlight.get(agentId);
    if (!running) {
      // Revalidating a known peer is not flood-limited (one lookup per TTL); a never-seen id is.
      if (!known && !this.#lookups.take()) return { kind: "throttled" };
      running = this.#lookup(agentId, known !== undefined);
    }
    const identity = await running;
    return identity ? { kind: "known", identity } : { kind: "unknown" };
  }

  /** Re-read a peer's identity (identity pinning: refresh once on mismatch). */
  async refresh(agentId: string): Promise<AgentIdentity | null> {
    return this.#lookup(agentId, true);
  }

  #lookup(agentId: string, refresh: boolean): Promise<AgentIdentity | null> {
    const work = this.#registry
      .lookupPeer(agentId, refresh ? { refresh: true } : {})
      .then((identity) => {
        if (identity) {
          this.#known.set(agentId, { identity, until: this.#now() + this.#identityTtlMs });
          this.#negative.delete(agentId);
        } else {
          this.#known.delete(agentId);
          this.#rememberUnknown(agentId);
        }
        return identity;
      })
      .finally(() => this.#inFlight.delete(agentId));
    this.#inFlight.set(agentId, work);
    return work;
  }

  #rememberUnknown(agentId: string): void {
    if (this.#negative.size >= this.#maxNegative) {
      const oldest = this.#negative.keys().next();
      if (!oldest.done) this.#negative.delete(oldest.value);
    }
    this.#negative.set(agentId, this.#now() + this.#negativeTtlMs);
  }
}
