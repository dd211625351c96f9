// NonceStore over the substrate with HybridNonceStore semantics (HSAgent_2):
// a NonceMarker object (7004) + association `nonce_seen-<nonce>` from our
// identity (the lookup side) and an append to the journal chain
// `nonce-journal-<selfAgentId>-<peerIdentityObjId>` (the audit side), behind
// an in-memory TTL cache. Round-trips:
//   exists = 0 (cache hit) or 1
//   recordIfNew = 0 for a cached replay; with a spare marker for the peer
//     (see prepare) 4 in ONE step: list nonce_seen ∥ PUT marker (the spare,
//     now holding the nonce) ∥ PUT association ∥ journal append; a replay found
//     in the substrate costs 1 more (the marker is deleted). Without a spare,
//     4 in 2 sequential steps: (list ∥ PUT marker), then (PUT association ∥
//     journal append); a replay found in the substrate costs 3.
//   prepare = 2, off the latency path: PUT spare marker, then link it
//     `has_nonce_spare` from our identity (so a restart finds and deletes it)
//   purgePeer = 1 per marker recorded by this instance (DELETE removes the
//     association too); with scanJournal + 1 journal read, + 1 lookup per
//     older nonce, + 1 journal delete.
// recordIfNew resolves true only after marker, association and journal entry
// are all written. Concurrent calls for one nonce in this process share one
// write; across processes exactly-once is not guaranteed (as in HSAgent_2):
// the handshake freshness window bounds what a racing replay could achieve.

import { bytesToJson, type SubstrateClient, VersionClashError } from "@hsagent/substrate-client";
import type { BatchingAuditLog } from "../audit-core.js";
import { assertObjId } from "../guard.js";
import { CHAIN_SHARD, HAS_NONCE_SPARE, nonceAssocType, nonceJournalChain, ObjectTypes } from "../layout.js";
import { FAN_OUT, mapLimit } from "../limit.js";
import {
  checkHandshake,
  checkNonce,
  DEFAULT_NONCE_CACHE_TTL_MS,
  isNonceLike,
  NonceTtlCache,
} from "../nonce-cache.js";
import type { LocalVerdict, NonceStore } from "../types.js";
import { isOwnBlock } from "./foreign.js";
import { SubstrateReplayMarks } from "./replay-marks.js";

/** Options of {@link SubstrateNonceStore}. */
export interface SubstrateNonceOptions {
  /** The agent's audit log: its buffered events ride with replay-mark writes (one batched call). */
  readonly audit?: BatchingAuditLog;
  /** How long a seen nonce is answered from memory, ms (default 120000). */
  readonly cacheTtlMs?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
}

/** NonceStore of one agent over a logged-in client. */
export class SubstrateNonceStore implements NonceStore {
  readonly #client: SubstrateClient;
  readonly #agentId: string;
  readonly #identityObjId: string;
  readonly #cache: NonceTtlCache;
  readonly #now: () => Date;
  /** Markers written by this instance, by peer: nonce → marker object id. */
  readonly #markers = new Map<string, Map<string, string>>();
  readonly #inFlight = new Map<string, Promise<boolean>>();
  /** Spare markers by peer: written ahead (see `prepare`); `id` once written and linked. */
  readonly #spares = new Map<string, { id: string | null; ready: Promise<void> }>();
  #sparesClosed = false;
  readonly #marks: SubstrateReplayMarks;

  constructor(
    client: SubstrateClient,
    agentId: string,
    identityObjId: string,
    options: SubstrateNonceOptions = {},
  ) {
    this.#client = client;
    this.#agentId = agentId;
    this.#identityObjId = assertObjId(identityObjId, "identityObjId");
    this.#cache = new NonceTtlCache(options.cacheTtlMs ?? DEFAULT_NONCE_CACHE_TTL_MS);
    this.#now = options.now ?? (() => new Date());
    this.#marks = new SubstrateReplayMarks(
      client,
      agentId,
      this.#identityObjId,
      this.#cache,
      options.audit ?? null,
    );
  }

  async admitHandshake(
    peerIdentityObjId: string,
    nonce: string,
    timestampMs: number,
    options: { readonly wholeSecond: boolean },
  ): Promise<boolean> {
    checkHandshake(peerIdentityObjId, nonce, timestampMs);
    return this.#marks.admit(peerIdentityObjId, nonce, timestampMs, options.wholeSecond);
  }

  localVerdict(
    peerIdentityObjId: string,
    nonce: string,
    timestampMs: number,
    options: { readonly wholeSecond: boolean },
  ): LocalVerdict {
    return this.#marks.localVerdict(peerIdentityObjId, nonce, timestampMs, options.wholeSecond);
  }

  async exists(nonce: string): Promise<boolean> {
    checkNonce(nonce);
    if (this.#cache.has(nonce)) return true;
    const { count } = await this.#client.listAssociations(nonceAssocType(nonce), this.#identityObjId, {
      limit: 1,
    });
    if (count > 0) this.#cache.add(nonce);
    return count > 0;
  }

  async recordIfNew(nonce: string, peerIdentityObjId: string): Promise<boolean> {
    checkNonce(nonce);
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    if (this.#cache.has(nonce)) return false;
    const running = this.#inFlight.get(nonce);
    if (running) {
      await running.catch(() => {});
      return false;
    }
    const work = this.#record(nonce, peerIdentityObjId).finally(() => this.#inFlight.delete(nonce));
    this.#inFlight.set(nonce, work);
    return work;
  }

  prepare(peerIdentityObjId: string): Promise<void> {
    const existing = this.#spares.get(peerIdentityObjId);
    if (existing) return existing.ready;
    if (this.#sparesClosed) return Promise.resolve();
    try {
      assertObjId(peerIdentityObjId, "peerIdentityObjId");
    } catch {
      return Promise.resolve();
    }
    const client = this.#client;
    const spare: { id: string | null; ready: Promise<void> } = { id: null, ready: Promise.resolve() };
    spare.ready = (async () => {
      const { id } = await client.putJson({
        type: ObjectTypes.NonceMarker,
        version: 0,
        value: { spare: true, peerIdentityObjId },
      });
      try {
        await client.putAssociation({
          type: HAS_NONCE_SPARE,
          sourceId: this.#identityObjId,
          targetId: id,
          json: { peerIdentityObjId },
        });
      } catch (error) {
        await client.deleteObject(ObjectTypes.NonceMarker, id).catch(() => {});
        throw error;
      }
      spare.id = id;
    })().catch(() => {
      // No spare: the next record takes the two-step path.
      if (this.#spares.get(peerIdentityObjId) === spare) this.#spares.delete(peerIdentityObjId);
    });
    this.#spares.set(peerIdentityObjId, spare);
    return spare.ready;
  }

  async purgeSpares(options: { readonly scan?: boolean; readonly close?: boolean } = {}): Promise<number> {
    if (options.close) this.#sparesClosed = true;
    const spares = [...this.#spares.values()];
    this.#spares.clear();
    await Promise.all(spares.map((s) => s.ready));
    const ids = new Set(spares.map((s) => s.id).filter((id): id is string => id !== null));
    if (options.scan) {
      let after: string | undefined;
      for (;;) {
        const page = await this.#client.listAssociations(HAS_NONCE_SPARE, this.#identityObjId, {
          limit: 1000,
          ...(after !== undefined ? { after } : {}),
        });
        for (const a of page.associations) ids.add(a.targetId);
        if (page.associations.length < 1000) break;
        after = page.associations[page.associations.length - 1]!.position;
      }
    }
    const results = await mapLimit([...ids], FAN_OUT, (id) =>
      this.#client.deleteObject(ObjectTypes.NonceMarker, id),
    );
    return results.filter((r) => r.success).length;
  }

  /** Take the peer's spare marker if it is written; a spare still being written stays for later. */
  #takeSpare(peer: string): string | null {
    const spare = this.#spares.get(peer);
    if (!spare || spare.id === null) return null;
    this.#spares.delete(peer);
    return spare.id;
  }

  async #record(nonce: string, peer: string): Promise<boolean> {
    const spare = this.#takeSpare(peer);
    if (spare !== null) return this.#recordOnSpare(nonce, peer, spare);
    const client = this.#client;
    const at = this.#now();
    const assocType = nonceAssocType(nonce);
    const [seen, marker] = await Promise.all([
      client.listAssociations(assocType, this.#identityObjId, { limit: 1 }),
      client.putJson({
        type: ObjectTypes.NonceMarker,
        version: 0,
        value: { nonce, peerIdentityObjId: peer, seenAt: at.toISOString() },
      }),
    ]);
    if (seen.count > 0) {
      this.#cache.add(nonce);
      await client.deleteObject(ObjectTypes.NonceMarker, marker.id);
      return false;
    }
    await Promise.all(this.#linkAndJournal(nonce, peer, marker.id, at));
    this.#cache.add(nonce);
    this.#remember(peer, nonce, marker.id);
    return true;
  }

  /** The `nonce_seen-<nonce>` link to the marker and the journal entry (two calls, in parallel). */
  #linkAndJournal(
    nonce: string,
    peer: string,
    markerId: string,
    at: Date,
  ): [Promise<void>, Promise<unknown>] {
    const ms = String(at.getTime());
    return [
      this.#client.putAssociation({
        type: nonceAssocType(nonce),
        sourceId: this.#identityObjId,
        targetId: markerId,
        time: ms,
        position: ms,
        json: { peerIdentityObjId: peer },
      }),
      this.#client.appendBlock(
        nonceJournalChain(this.#agentId, peer),
        CHAIN_SHARD,
        JSON.stringify({
          event: "NONCE_SEEN",
          nonce,
          peerIdentityObjId: peer,
          timestamp_utc: at.toISOString(),
        }),
      ),
    ];
  }

  /** Marker ids written by this instance, for `purgePeer`. */
  #remember(peer: string, nonce: string, markerId: string): void {
    let byPeer = this.#markers.get(peer);
    if (!byPeer) {
      byPeer = new Map();
      this.#markers.set(peer, byPeer);
    }
    byPeer.set(nonce, markerId);
  }

  /**
   * One step: the lookup, the marker (the spare now holds the nonce), its `nonce_seen` link and
   * the journal entry, all in parallel. The lookup may already see our own link: only a link to
   * another marker means the nonce was seen before.
   */
  async #recordOnSpare(nonce: string, peer: string, markerId: string): Promise<boolean> {
    const client = this.#client;
    const at = this.#now();
    const assocType = nonceAssocType(nonce);
    const value = { nonce, peerIdentityObjId: peer, seenAt: at.toISOString() };
    // Whatever happens below, the session's purge deletes this marker (and its links).
    this.#remember(peer, nonce, markerId);
    const putMarker = async (): Promise<void> => {
      try {
        await client.putJson({ type: ObjectTypes.NonceMarker, id: markerId, version: 0, value });
      } catch (error) {
        // A server that numbers creates differently: update at the version it holds.
        if (!(error instanceof VersionClashError)) throw error;
        const current = await client.getObject(ObjectTypes.NonceMarker, markerId);
        if (!current) throw error;
        await client.putJson({
          type: ObjectTypes.NonceMarker,
          id: markerId,
          version: current.version,
          value,
        });
      }
    };
    const [seen] = await Promise.all([
      client.listAssociations(assocType, this.#identityObjId, { limit: 10 }),
      putMarker(),
      ...this.#linkAndJournal(nonce, peer, markerId, at),
    ]);
    this.#cache.add(nonce);
    if (seen.associations.some((a) => a.targetId !== markerId)) {
      this.#markers.get(peer)?.delete(nonce);
      await client.deleteObject(ObjectTypes.NonceMarker, markerId);
      return false;
    }
    return true;
  }

  async purgePeer(
    peerIdentityObjId: string,
    options: { readonly scanJournal?: boolean } = {},
  ): Promise<number> {
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    const client = this.#client;
    const known = this.#markers.get(peerIdentityObjId) ?? new Map<string, string>();
    this.#markers.delete(peerIdentityObjId);
    const markerIds = new Set(known.values());
    const chain = nonceJournalChain(this.#agentId, peerIdentityObjId);
    if (options.scanJournal) {
      const blocks = await client.recentBlocks(chain, CHAIN_SHARD, 1000);
      const older = new Set<string>();
      for (const block of blocks) {
        // A block another tenant appended is foreign: never taken as one of our nonces.
        if (!isOwnBlock(block, client.username)) continue;
        for (const payload of block.payloads) {
          const nonce = journalNonce(payload);
          if (nonce && !known.has(nonce)) older.add(nonce);
        }
      }
      const lists = await mapLimit([...older], FAN_OUT, (n) =>
        client.listAssociations(nonceAssocType(n), this.#identityObjId, { limit: 10 }),
      );
      for (const list of lists) for (const a of list.associations) markerIds.add(a.targetId);
    }
    const results = await mapLimit([...markerIds], FAN_OUT, (id) =>
      client.deleteObject(ObjectTypes.NonceMarker, id),
    );
    if (options.scanJournal) await client.deleteChain(chain, CHAIN_SHARD);
    return results.filter((r) => r.success).length;
  }
}

function journalNonce(payload: Uint8Array): string | null {
  try {
    const v = bytesToJson(payload);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const inner = v.data !== null && typeof v.data === "object" && !Array.isArray(v.data) ? v.data : v;
      if (inner.event === "NONCE_SEEN" && isNonceLike(inner.nonce)) return inner.nonce;
    }
  } catch {
    // Not JSON: not one of ours.
  }
  return null;
}
