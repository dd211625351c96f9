/**
 * ML-KEM-768 on @noble/post-quantum (pure JS): runs on every runtime, and is the only
 * implementation that takes injected randomness for encapsulation.
 */
import { sha3_256 } from "@noble/hashes/sha3.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { copyBytes, requireBytes } from "../backend/common.js";
import { b64encode, bytesEqual } from "../encoding.js";
import { guard, HandshakeError } from "../errors.js";
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
  readonly publicKeyB64: string;
  constructor(
    readonly publicKey: Uint8Array,
    private readonly secretKey: Uint8Array,
  ) {
    this.publicKeyB64 = b64encode(publicKey);
  }
  decapsulate(cipherText: Uint8Array): Uint8Array {
    requireBytes(cipherText, "ML-KEM ciphertext", MLKEM768_CIPHERTEXT_BYTES);
    return guard(() => ml_kem768.decapsulate(cipherText, this.secretKey), "ML-KEM decapsulate");
  }
}

/** The @noble/post-quantum ML-KEM-768. */
export const nobleMlKem768: MlKem768 = {
  name: "noble",
  generateKeyPair(seed) {
    if (seed !== undefined) requireBytes(seed, "ML-KEM seed", MLKEM768_SEED_BYTES);
    const { publicKey, secretKey } = guard(() => ml_kem768.keygen(seed), "ML-KEM keygen");
    return new NobleMlKemKeyPair(publicKey, secretKey);
  },
  keyPairFromSecretKey(secretKey) {
    requireBytes(secretKey, "ML-KEM secret key", MLKEM768_SECRET_KEY_BYTES);
    const sk = copyBytes(secretKey);
    // FIPS 203 §7.3 input check: dk = dkPKE(1152) ‖ ek(1184) ‖ H(ek)(32) ‖ z(32).
    const publicKey = sk.slice(1152, 1152 + MLKEM768_PUBLIC_KEY_BYTES);
    if (!bytesEqual(sha3_256(publicKey), sk.subarray(2336, 2368))) {
      throw new HandshakeError("malformed", "ML-KEM secret key hash check");
    }
    return new NobleMlKemKeyPair(publicKey, sk);
  },
  encapsulate(publicKey, random) {
    requireBytes(publicKey, "ML-KEM public key", MLKEM768_PUBLIC_KEY_BYTES);
    if (random !== undefined) requireBytes(random, "ML-KEM randomness", MLKEM768_ENCAPS_RANDOM_BYTES);
    return guard(() => ml_kem768.encapsulate(publicKey, random), "ML-KEM public key");
  },
};
