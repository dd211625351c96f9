/**
 * Input checks both ML-KEM-768 implementations share, so they reject exactly the same inputs with
 * the same `HandshakeError`: {@link checkedMlKem} wraps an implementation's core, and
 * {@link checkedDecapsulate} guards a key pair's decapsulation.
 */
import { sha3_256 } from "@noble/hashes/sha3.js";
import { copyBytes, requireBytes } from "../backend/common.js";
import { bytesEqual } from "../encoding.js";
import { guard, HandshakeError } from "../errors.js";
import {
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_ENCAPS_RANDOM_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  MLKEM768_SECRET_KEY_BYTES,
  MLKEM768_SEED_BYTES,
  type MlKem768,
  type MlKemEncapsulation,
  type MlKemKeyPair,
} from "./types.js";

/** @internal An {@link MlKem768} whose inputs have the right sizes before it sees them. */
export function checkedMlKem(core: MlKem768): MlKem768 {
  return {
    name: core.name,
    generateKeyPair(seed) {
      if (seed !== undefined) requireBytes(seed, "ML-KEM seed", MLKEM768_SEED_BYTES);
      return core.generateKeyPair(seed);
    },
    keyPairFromSecretKey(secretKey) {
      requireBytes(secretKey, "ML-KEM secret key", MLKEM768_SECRET_KEY_BYTES);
      return core.keyPairFromSecretKey(secretKey);
    },
    encapsulate(publicKey, random): MlKemEncapsulation {
      requireBytes(publicKey, "ML-KEM public key", MLKEM768_PUBLIC_KEY_BYTES);
      if (random !== undefined) requireBytes(random, "ML-KEM randomness", MLKEM768_ENCAPS_RANDOM_BYTES);
      return core.encapsulate(publicKey, random);
    },
  };
}

/** @internal `MlKemKeyPair.decapsulate`: size check, then `open` with every failure as `HandshakeError`. */
export function checkedDecapsulate(
  cipherText: Uint8Array,
  open: (cipherText: Uint8Array) => Uint8Array,
): ReturnType<MlKemKeyPair["decapsulate"]> {
  requireBytes(cipherText, "ML-KEM ciphertext", MLKEM768_CIPHERTEXT_BYTES);
  return guard(() => open(cipherText), "ML-KEM decapsulate");
}

/**
 * @internal FIPS 203 §7.3 input check of an expanded decapsulation key
 * (dk = dkPKE(1152) ‖ ek(1184) ‖ H(ek)(32) ‖ z(32)): a copy of it and its embedded public key.
 * @throws HandshakeError `malformed` if the embedded hash does not match
 */
export function checkedSecretKey(secretKey: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const sk = copyBytes(secretKey);
  const publicKey = sk.slice(1152, 1152 + MLKEM768_PUBLIC_KEY_BYTES);
  if (!bytesEqual(sha3_256(publicKey), sk.subarray(2336, 2368))) {
    throw new HandshakeError("malformed", "ML-KEM secret key hash check");
  }
  return { publicKey, secretKey: sk };
}
