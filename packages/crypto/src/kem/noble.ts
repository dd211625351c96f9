/**
 * ML-KEM-768 on @noble/post-quantum (pure JS): runs on every runtime, and is the only
 * implementation that takes injected randomness for encapsulation.
 */
import { sha3_256 } from "@noble/hashes/sha3.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { copyBytes, PublicHalf } from "../backend/common.js";
import { bytesEqual } from "../encoding.js";
import { guard, HandshakeError } from "../errors.js";
import { checkedDecapsulate, checkedMlKem } from "./common.js";
import { MLKEM768_PUBLIC_KEY_BYTES, type MlKem768, type MlKemKeyPair } from "./types.js";

class NobleMlKemKeyPair extends PublicHalf implements MlKemKeyPair {
  readonly #secretKey: Uint8Array;
  constructor(publicKey: Uint8Array, secretKey: Uint8Array) {
    super("noble", publicKey);
    this.#secretKey = secretKey;
  }
  decapsulate(cipherText: Uint8Array): Uint8Array {
    return checkedDecapsulate(cipherText, (ct) => ml_kem768.decapsulate(ct, this.#secretKey));
  }
}

/** The @noble/post-quantum ML-KEM-768. */
export const nobleMlKem768: MlKem768 = checkedMlKem({
  name: "noble",
  generateKeyPair(seed) {
    const { publicKey, secretKey } = guard(() => ml_kem768.keygen(seed), "ML-KEM keygen");
    return new NobleMlKemKeyPair(publicKey, secretKey);
  },
  keyPairFromSecretKey(secretKey) {
    const sk = copyBytes(secretKey);
    // FIPS 203 §7.3 input check: dk = dkPKE(1152) ‖ ek(1184) ‖ H(ek)(32) ‖ z(32).
    const publicKey = sk.slice(1152, 1152 + MLKEM768_PUBLIC_KEY_BYTES);
    if (!bytesEqual(sha3_256(publicKey), sk.subarray(2336, 2368))) {
      throw new HandshakeError("malformed", "ML-KEM secret key hash check");
    }
    return new NobleMlKemKeyPair(publicKey, sk);
  },
  encapsulate(publicKey, random) {
    return guard(() => ml_kem768.encapsulate(publicKey, random), "ML-KEM public key");
  },
});
