// Replay protection in O(1) durable state per peer (PROTOCOL.md §8): one ReplayMark object (7007,
// hsagent only) per peer, linked from our identity by `replay_mark-<peerIdentityObjId>`, holding the
// peer's last accepted handshake timestamp (ms). A handshake at or below the mark is a replay —
// before and after a restart. Raising the mark is a conditional (versioned) PUT; a clash means
// another process of this agent raised it meanwhile: reload and decide again. With the batch
// extension the write carries the buffered audit events in the same call. Round-trips per admit:
// 1 once the peer's mark is known here; 2 more (list + GET) the first time after a start; a first
// mark ever is created with its link in one batched call (2 single calls without batching).

import { type BatchItem, type SubstrateClient, VersionClashError } from "@hsagent/substrate-client";
import type { BatchingAuditLog } from "../audit-core.js";
import { StoreError } from "../errors.js";
import { auditChain, CHAIN_SHARD, ObjectTypes, replayMarkAssocType } from "../layout.js";
import { isBelowMark, type NonceTtlCache } from "../nonce-cache.js";
import type { LocalVerdict } from "../types.js";

/** A peer's mark as last read or written by this process. */
interface Mark {
  objId: string;
  version: number;
  ms: number;
}

/** How often a clash is resolved by reloading before the admit gives up. */
const CLASH_RETRIES = 3;

/** The durable per-peer high-water marks of one agent over a logged-in client. */
export class SubstrateReplayMarks {
  readonly #client: SubstrateClient;
  readonly #agentId: string;
  readonly #identityObjId: string;
  readonly #cache: NonceTtlCache;
  readonly #audit: BatchingAuditLog | null;
  readonly #marks = new Map<string, Mark | null>();

  constructor(
    client: SubstrateClient,
    agentId: string,
    identityObjId: string,
    cache: NonceTtlCache,
    audit: BatchingAuditLog | null,
  ) {
    this.#client = client;
    this.#agentId = agentId;
    this.#identityObjId = identityObjId;
    this.#cache = cache;
    this.#audit = audit;
  }

  /**
   * See {@link NonceStore.admitHandshake}. Admits of one peer are not queued behind each other:
   * a write stuck on a failing substrate must not hold the next handshake (its caller gave up on
   * it at the session deadline). Overlapping admits are safe: the loser of the version race
   * re-reads the mark and decides again.
   */
  admit(peer: string, nonce: string, timestampMs: number, wholeSecond: boolean): Promise<boolean> {
    return this.#admit(peer, nonce, timestampMs, wholeSecond);
  }

  /** See {@link NonceStore.localVerdict}: the nonce cache and the mark as last read or written here. */
  localVerdict(peer: string, nonce: string, ms: number, wholeSecond: boolean): LocalVerdict {
    if (this.#cache.has(nonce)) return "replay";
    if (!this.#marks.has(peer)) return "unknown";
    return isBelowMark(this.#marks.get(peer)?.ms, ms, wholeSecond) ? "replay" : "fresh";
  }

  async #admit(peer: string, nonce: string, ms: number, wholeSecond: boolean): Promise<boolean> {
    if (this.#cache.has(nonce)) return false;
    for (let attempt = 0; attempt <= CLASH_RETRIES; attempt++) {
      const mark = this.#marks.has(peer) ? (this.#marks.get(peer) ?? null) : await this.#load(peer);
      if (isBelowMark(mark?.ms, ms, wholeSecond)) {
        this.#cache.add(nonce);
        return false;
      }
      try {
        this.#marks.set(peer, await this.#raise(peer, mark, ms));
        this.#cache.add(nonce);
        return true;
      } catch (error) {
        // A clash: another process raised the mark. Anything else: the outcome is unknown.
        this.#marks.delete(peer);
        if (!(error instanceof VersionClashError)) throw error;
      }
    }
    throw new StoreError("replay mark kept clashing with another writer", "CONFLICT");
  }

  /** Read the peer's mark (list its link, then GET it); null if there is none yet. */
  async #load(peer: string): Promise<Mark | null> {
    const links = await this.#client.listAssociations(replayMarkAssocType(peer), this.#identityObjId, {
      limit: 10,
    });
    let best: Mark | null = null;
    for (const link of links.associations) {
      const object = await this.#client.getJson(ObjectTypes.ReplayMark, link.targetId);
      const value = object?.value as { ms?: unknown } | undefined;
      if (!object || typeof value?.ms !== "number" || !Number.isFinite(value.ms)) continue;
      if (!best || value.ms > best.ms) best = { objId: object.id, version: object.version, ms: value.ms };
    }
    this.#marks.set(peer, best);
    return best;
  }

  /** Write the raised mark (create + link the first time), with buffered audit events when batching. */
  async #raise(peer: string, mark: Mark | null, ms: number): Promise<Mark> {
    const value = { peerIdentityObjId: peer, ms };
    const items: BatchItem[] = mark
      ? [
          {
            op: "putObject",
            type: ObjectTypes.ReplayMark,
            id: mark.objId,
            version: mark.version,
            json: value,
          },
        ]
      : [
          { op: "putObject", type: ObjectTypes.ReplayMark, version: 0, json: value },
          {
            op: "putAssociation",
            type: replayMarkAssocType(peer),
            sourceId: this.#identityObjId,
            targetId: "$0",
          },
        ];
    const results =
      this.#audit && (await this.#client.batchSupported())
        ? await this.#audit.rideWith((payload) =>
            this.#client.batch(
              payload
                ? [
                    ...items,
                    {
                      op: "appendBlock",
                      chain: auditChain(this.#agentId),
                      shard: CHAIN_SHARD,
                      payload: JSON.stringify(payload),
                    },
                  ]
                : items,
            ),
          )
        : await this.#client.batch(items);
    if (mark) return { ...mark, version: mark.version + 1, ms };
    return { objId: (results[0] as { id: string }).id, version: 0, ms };
  }
}
