/**
 * ML-KEM-768 on liboqs compiled to WebAssembly (`@oqs/liboqs-js`, the Open Quantum Safe project's
 * own build): about 6× less CPU than the pure-JS implementation on every runtime, Node 20
 * included. WebAssembly modules load asynchronously, so this implementation exists only after
 * {@link loadLiboqsMlKem768} has resolved (the agent awaits it at start, through
 * `prepareMlKem768`); before that, and wherever the module cannot load, the other implementations
 * serve. liboqs draws its own randomness (the runtime's CSPRNG) and takes no seed, so the
 * deterministic forms — `generateKeyPair(seed)` and `encapsulate(publicKey, random)`, used by
 * vectors and tests — are computed by the noble implementation (same bytes, by FIPS 203).
 * Secret keys are copied into the module's memory only for the length of one decapsulation.
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import type { MLKEM768 } from "@oqs/liboqs-js";
import { PublicHalf } from "../backend/common.js";
import { guard } from "../errors.js";
import { checkedDecapsulate, checkedMlKem, checkedSecretKey } from "./common.js";
import { nobleMlKem768 } from "./noble.js";
import type { MlKem768, MlKemBackendName, MlKemKeyPair } from "./types.js";

let wasm: MLKEM768 | undefined;
let loading: Promise<boolean> | undefined;

class LiboqsMlKemKeyPair extends PublicHalf<MlKemBackendName> implements MlKemKeyPair {
  readonly #secretKey: Uint8Array;
  readonly #kem: MLKEM768;
  constructor(kem: MLKEM768, publicKey: Uint8Array, secretKey: Uint8Array) {
    super("liboqs", publicKey);
    this.#kem = kem;
    this.#secretKey = secretKey;
  }
  decapsulate(cipherText: Uint8Array): Uint8Array {
    return checkedDecapsulate(cipherText, (ct) => this.#kem.decapsulate(ct, this.#secretKey));
  }
}

function loaded(): MLKEM768 {
  if (wasm === undefined) throw new Error("liboqs ML-KEM-768 is not loaded");
  return wasm;
}

/** The liboqs ML-KEM-768 (use only once {@link liboqsMlKem768Available}). */
export const liboqsMlKem768: MlKem768 = checkedMlKem({
  name: "liboqs",
  generateKeyPair(seed) {
    const kem = loaded();
    const { publicKey, secretKey } = guard(
      () => (seed === undefined ? kem.generateKeyPair() : ml_kem768.keygen(seed)),
      "ML-KEM keygen",
    );
    return new LiboqsMlKemKeyPair(kem, publicKey, secretKey);
  },
  keyPairFromSecretKey(secretKey) {
    const kem = loaded();
    const { publicKey, secretKey: sk } = checkedSecretKey(secretKey);
    return new LiboqsMlKemKeyPair(kem, publicKey, sk);
  },
  encapsulate(publicKey, random) {
    const kem = loaded();
    if (random !== undefined) return nobleMlKem768.encapsulate(publicKey, random);
    return guard(() => {
      const { ciphertext, sharedSecret } = kem.encapsulate(publicKey);
      return { cipherText: ciphertext, sharedSecret };
    }, "ML-KEM public key");
  },
});

/** True once {@link loadLiboqsMlKem768} has loaded the module and it passed its round-trip probe. */
export function liboqsMlKem768Available(): boolean {
  return wasm !== undefined;
}

/**
 * Loads the WebAssembly module once per process and probes it (keygen, encaps, decaps must
 * agree). Resolves true if it is usable; never rejects (false where it cannot load).
 */
export function loadLiboqsMlKem768(): Promise<boolean> {
  loading ??= (async () => {
    try {
      const { createMLKEM768 } = await import("@oqs/liboqs-js/kem");
      const kem = await createMLKEM768();
      const { publicKey, secretKey } = kem.generateKeyPair();
      const { ciphertext, sharedSecret } = kem.encapsulate(publicKey);
      if (!Buffer.from(kem.decapsulate(ciphertext, secretKey)).equals(sharedSecret)) return false;
      wasm = kem;
      return true;
    } catch {
      return false;
    }
  })();
  return loading;
}
