/**
 * Input checks both ML-KEM-768 implementations share, so they reject exactly the same inputs with
 * the same `HandshakeError`: {@link checkedMlKem} wraps an implementation's core, and
 * {@link checkedDecapsulate} guards a key pair's decapsulation.
 */
import { requireBytes } from "../backend/common.js";
import { guard } from "../errors.js";
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
