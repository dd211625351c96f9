/**
 * ML-KEM-768 on @noble/post-quantum's lattice arithmetic (pure JS, see `lattice.ts`), with the
 * SHA-3/SHAKE work on node:crypto where the runtime has it (else @noble/hashes): runs on every
 * runtime, and is the only implementation that takes injected randomness for encapsulation.
 */
import nodeCrypto from "node:crypto";
import { requireBytes } from "../backend/common.js";
import { b64encode } from "../encoding.js";
import { guard, HandshakeError } from "../errors.js";
import { createLattice, type Lattice, type LatticeKey } from "./lattice.js";
import { nobleSha3, nodeSha3, nodeSha3Available } from "./sha3.js";
import {
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_ENCAPS_RANDOM_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  MLKEM768_SECRET_KEY_BYTES,
  MLKEM768_SEED_BYTES,
  type MlKem768,
  type MlKemKeyPair,
} from "./types.js";

class NobleMlKemKeyPair implements MlKemKeyPair {
  readonly backend = "noble" as const;
  readonly publicKey: Uint8Array;
  readonly publicKeyB64: string;
  readonly #lattice: Lattice;
  readonly #key: LatticeKey;
  constructor(lattice: Lattice, key: LatticeKey) {
    this.#lattice = lattice;
    this.#key = key;
    this.publicKey = key.publicKey;
    this.publicKeyB64 = b64encode(key.publicKey);
  }
  decapsulate(cipherText: Uint8Array): Uint8Array {
    requireBytes(cipherText, "ML-KEM ciphertext", MLKEM768_CIPHERTEXT_BYTES);
    return guard(() => this.#lattice.decapsulate(this.#key, cipherText), "ML-KEM decapsulate");
  }
}

/** @internal The noble ML-KEM-768 over the given lattice (tests run it on each SHA-3 provider). */
export function nobleMlKem768On(lattice: Lattice): MlKem768 {
  return {
    name: "noble",
    generateKeyPair(seed) {
      if (seed !== undefined) requireBytes(seed, "ML-KEM seed", MLKEM768_SEED_BYTES);
      const s = seed ?? nodeCrypto.randomFillSync(new Uint8Array(MLKEM768_SEED_BYTES));
      try {
        return new NobleMlKemKeyPair(
          lattice,
          guard(() => lattice.keygen(s), "ML-KEM keygen"),
        );
      } finally {
        if (seed === undefined) s.fill(0);
      }
    },
    keyPairFromSecretKey(secretKey) {
      requireBytes(secretKey, "ML-KEM secret key", MLKEM768_SECRET_KEY_BYTES);
      const key = lattice.fromSecretKey(secretKey);
      // FIPS 203 §7.3 input check: dk = dkPKE(1152) ‖ ek(1184) ‖ H(ek)(32) ‖ z(32).
      if (key === null) throw new HandshakeError("malformed", "ML-KEM secret key hash check");
      return new NobleMlKemKeyPair(lattice, key);
    },
    encapsulate(publicKey, random) {
      requireBytes(publicKey, "ML-KEM public key", MLKEM768_PUBLIC_KEY_BYTES);
      if (random !== undefined) requireBytes(random, "ML-KEM randomness", MLKEM768_ENCAPS_RANDOM_BYTES);
      const m = random ?? nodeCrypto.randomFillSync(new Uint8Array(MLKEM768_ENCAPS_RANDOM_BYTES));
      try {
        const out = guard(() => lattice.encapsulate(publicKey, m), "ML-KEM public key");
        if (out === null) throw new HandshakeError("malformed", "ML-KEM public key modulus check");
        return out;
      } finally {
        if (random === undefined) m.fill(0);
      }
    },
  };
}

/** The noble ML-KEM-768 (SHA-3 on node:crypto where available, else @noble/hashes). */
export const nobleMlKem768: MlKem768 = nobleMlKem768On(
  createLattice(nodeSha3Available() ? nodeSha3 : nobleSha3),
);
