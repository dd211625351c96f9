// Shared block placement for both backends: pick the index for an append/prepend, find which
// neighbour it links to, and compute the hash (see chain-hash.ts for the encoding).

import { blockHash, GENESIS_PREV_HASH } from "../chain-hash.js";
import type { BlockRecord, ChainKey, ChainRecord, NewBlock } from "./types.js";

/** Where a new block goes and which existing block (if any) it links to. */
export interface Placement {
  idx: bigint;
  /** Index of the neighbour whose hash becomes prevHash; null for block 0. */
  linkIdx: bigint | null;
}

/** Index for a new block: 0 on a new chain, tail+1 on append, head-1 on prepend. */
export function placeBlock(chain: ChainRecord | null, where: "append" | "prepend"): Placement {
  if (!chain || chain.blockCount === 0n) return { idx: 0n, linkIdx: null };
  if (where === "append") return { idx: chain.tailIdx + 1n, linkIdx: chain.tailIdx };
  return { idx: chain.headIdx - 1n, linkIdx: chain.headIdx };
}

/** Build the full block record once the neighbour's hash is known. */
export function buildBlock(
  key: ChainKey,
  placement: Placement,
  neighbourHash: Buffer | null,
  block: NewBlock,
): BlockRecord {
  const prevHash = placement.linkIdx === null ? GENESIS_PREV_HASH : (neighbourHash ?? GENESIS_PREV_HASH);
  const system = { eventId: block.eventId, timestamp: BigInt(block.now), sourceAgent: block.sourceAgent };
  return {
    tenant: key.tenant,
    name: key.name,
    shard: key.shard,
    idx: placement.idx,
    payloads: block.payloads,
    system,
    createdAt: block.now,
    messageCount: block.messageCount,
    payloadBytes: block.payloadBytes,
    prevHash,
    hash: blockHash(prevHash, block.payloads, placement.idx, system),
  };
}

// Math.min/max do not take bigints.
const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** Chain metadata after adding `b` to `chain` (or creating it). */
export function chainAfter(key: ChainKey, chain: ChainRecord | null, b: BlockRecord): ChainRecord {
  if (!chain) {
    return {
      ...key,
      headIdx: b.idx,
      tailIdx: b.idx,
      blockCount: 1n,
      messageCount: BigInt(b.messageCount),
      payloadBytes: BigInt(b.payloadBytes),
      createdAt: b.createdAt,
      updatedAt: b.createdAt,
    };
  }
  return {
    ...chain,
    headIdx: minBig(b.idx, chain.headIdx),
    tailIdx: maxBig(b.idx, chain.tailIdx),
    blockCount: chain.blockCount + 1n,
    messageCount: chain.messageCount + BigInt(b.messageCount),
    payloadBytes: chain.payloadBytes + BigInt(b.payloadBytes),
    updatedAt: b.createdAt,
  };
}
