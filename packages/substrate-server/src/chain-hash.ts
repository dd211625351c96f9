// The hash chain that links Fathom blocks, so `validate` detects edited, removed or reordered blocks.
//
// Encoding (all integers big-endian):
//   payloads = u32(n) ‖ n × ( u32(len_i) ‖ payload_i )
//   system   = UTF-8 JSON {"blockIdx":"<dec>","eventId":"…","sourceAgent":"…","timestamp":"<dec>"}
//              (exactly these four keys in this order, bigints as decimal strings, JSON.stringify escaping)
//   hash     = SHA-256( prevHash[32] ‖ payloads ‖ u32(len(system)) ‖ system )
// Links follow the block index outward from block 0, the first block of every chain:
//   block 0 has prevHash = 32 zero bytes;
//   an appended block i > 0 links to block i-1;  a prepended block i < 0 links to block i+1.
// Binding blockIdx into `system` means moving a block to another index breaks its hash too.

import { createHash, hash } from "node:crypto";

/** The prevHash of block 0: 32 zero bytes. */
export const GENESIS_PREV_HASH: Buffer = Buffer.alloc(32);

/** System metadata stored with each block. */
export interface BlockSystem {
  /** Unique id of the append event (UUID). */
  eventId: string;
  /** Milliseconds since the Unix epoch when the block was written. */
  timestamp: bigint;
  /** Who wrote it: the writer's username, or `username/agent:<id>` for a key session. */
  sourceAgent: string;
}

/** Frame payloads as `u32(n) ‖ n × (u32(len) ‖ bytes)` — the stored form and the hashed form. */
export function encodePayloads(payloads: readonly Uint8Array[]): Buffer {
  let size = 4;
  for (const p of payloads) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(payloads.length, 0);
  let off = 4;
  for (const p of payloads) {
    out.writeUInt32BE(p.length, off);
    out.set(p, off + 4);
    off += 4 + p.length;
  }
  return out;
}

/** Inverse of {@link encodePayloads}; throws on malformed framing. */
export function decodePayloads(encoded: Uint8Array): Buffer[] {
  const buf = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length);
  if (buf.length < 4) throw new Error("payload framing too short");
  const n = buf.readUInt32BE(0);
  const out: Buffer[] = [];
  let off = 4;
  for (let i = 0; i < n; i++) {
    if (off + 4 > buf.length) throw new Error("payload framing truncated");
    const len = buf.readUInt32BE(off);
    off += 4;
    if (off + len > buf.length) throw new Error("payload framing truncated");
    out.push(buf.subarray(off, off + len));
    off += len;
  }
  if (off !== buf.length) throw new Error("payload framing has trailing bytes");
  return out;
}

/** The canonical system JSON of a block at `blockIdx` (hashed as UTF-8). */
function systemJson(blockIdx: bigint, system: BlockSystem): string {
  return JSON.stringify({
    blockIdx: blockIdx.toString(),
    eventId: system.eventId,
    sourceAgent: system.sourceAgent,
    timestamp: system.timestamp.toString(),
  });
}

/** The canonical system bytes hashed for a block at `blockIdx`. */
export function encodeSystem(blockIdx: bigint, system: BlockSystem): Buffer {
  return Buffer.from(systemJson(blockIdx, system), "utf8");
}

/** Blocks up to this size are hashed in one call over one buffer; larger ones are streamed. */
const ONE_SHOT_BYTES = 64 * 1024;

/** hash = SHA-256(prevHash ‖ encodedPayloads ‖ u32(len(system)) ‖ system). */
export function blockHash(
  prevHash: Uint8Array,
  encodedPayloads: Uint8Array,
  blockIdx: bigint,
  system: BlockSystem,
): Buffer {
  const json = systemJson(blockIdx, system);
  const sysLength = Buffer.byteLength(json, "utf8");
  if (encodedPayloads.length <= ONE_SHOT_BYTES) {
    // Every block is hashed as it is written: one buffer and one native call instead of a Hash
    // object and four updates.
    const whole = Buffer.allocUnsafe(prevHash.length + encodedPayloads.length + 4 + sysLength);
    whole.set(prevHash, 0);
    let off = prevHash.length;
    whole.set(encodedPayloads, off);
    off += encodedPayloads.length;
    off = whole.writeUInt32BE(sysLength, off);
    whole.write(json, off, "utf8");
    return hash("sha256", whole, "buffer");
  }
  const len = Buffer.alloc(4);
  len.writeUInt32BE(sysLength);
  return createHash("sha256")
    .update(prevHash)
    .update(encodedPayloads)
    .update(len)
    .update(json, "utf8")
    .digest();
}
