/**
 * SHA-3 providers for ML-KEM ({@link Sha3}): node:crypto (OpenSSL, where the runtime has SHA-3
 * and SHAKE) and @noble/hashes (pure JS, everywhere). Both give the same bytes.
 */
import nodeCrypto from "node:crypto";
import { sha3_256, sha3_512, shake128, shake256 } from "@noble/hashes/sha3.js";
import type { Sha3 } from "./lattice.js";

type NobleHash = {
  create(opts?: { dkLen?: number }): { update(b: Uint8Array): unknown; digest(): Uint8Array };
};

function nobleDigest(hash: NobleHash, parts: Uint8Array[], dkLen?: number): Uint8Array {
  const h = hash.create(dkLen === undefined ? {} : { dkLen });
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA-3 on @noble/hashes. */
export const nobleSha3: Sha3 = {
  name: "noble",
  sha3_256: (...parts) => nobleDigest(sha3_256, parts),
  sha3_512: (...parts) => nobleDigest(sha3_512, parts),
  shake128: (outLen, ...parts) => nobleDigest(shake128, parts, outLen),
  shake256: (outLen, ...parts) => nobleDigest(shake256, parts, outLen),
};

function nodeDigest(algorithm: string, parts: Uint8Array[], outputLength?: number): Uint8Array {
  const h = nodeCrypto.createHash(algorithm, outputLength === undefined ? undefined : { outputLength });
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** SHA-3 on node:crypto (use only if {@link nodeSha3Available}). */
export const nodeSha3: Sha3 = {
  name: "node",
  sha3_256: (...parts) => nodeDigest("sha3-256", parts),
  sha3_512: (...parts) => nodeDigest("sha3-512", parts),
  shake128: (outLen, ...parts) => nodeDigest("shake128", parts, outLen),
  shake256: (outLen, ...parts) => nodeDigest("shake256", parts, outLen),
};

let available: boolean | undefined;

/** True if node:crypto has SHA3-256/512 and SHAKE128/256 and they agree with @noble/hashes. */
export function nodeSha3Available(): boolean {
  if (available !== undefined) return available;
  try {
    const probe = Uint8Array.of(1, 2, 3);
    available = (["sha3_256", "sha3_512"] as const).every((f) =>
      Buffer.from(nodeSha3[f](probe)).equals(nobleSha3[f](probe)),
    );
    available &&= (["shake128", "shake256"] as const).every((f) =>
      Buffer.from(nodeSha3[f](200, probe)).equals(nobleSha3[f](200, probe)),
    );
  } catch {
    available = false;
  }
  return available;
}
