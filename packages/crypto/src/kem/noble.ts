/**
 * ML-KEM-768 on @noble/post-quantum (pure JS): runs on every runtime, and is the only
 * implementation that takes injected randomness for encapsulation.
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { PublicHalf } from "../backend/common.js";
import { guard } from "../errors.js";
import { checkedDecapsulate, checkedMlKem, checkedSecretKey } from "./common.js";
import type { MlKem768, MlKemBackendName, MlKemKeyPair } from "./types.js";

class NobleMlKemKeyPair extends PublicHalf<MlKemBackendName> implements MlKemKeyPair {
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
    const { publicKey, secretKey: sk } = checkedSecretKey(secretKey);
    return new NobleMlKemKeyPair(publicKey, sk);
  },
  encapsulate(publicKey, random) {
    return guard(() => ml_kem768.encapsulate(publicKey, random), "ML-KEM public key");
  },
});
