/**
 * ML-KEM-768 on node:crypto, for runtimes whose OpenSSL has it (Node ≥ 24.7 with OpenSSL 3.5;
 * not Node 20). Availability is detected at runtime by {@link nativeMlKem768Available}; on other
 * runtimes this module is inert. Keys travel as DER: SPKI for the public key, PKCS#8 with the
 * seed or the expanded key for the private key (RFC 9629 / draft-ietf-lamps-kyber-certificates
 * encodings). node:crypto takes no injected randomness for encapsulation, so `encapsulate` with
 * an explicit `random` is done by the noble implementation (same bytes, by FIPS 203).
 */
import nodeCrypto, { type KeyObject } from "node:crypto";
import { PublicHalf } from "../backend/common.js";
import { pkcs8PrivateKey } from "../backend/native.js";
import { guard, HandshakeError } from "../errors.js";
import { checkedDecapsulate, checkedMlKem } from "./common.js";
import { nobleMlKem768 } from "./noble.js";
import {
  MLKEM768_PUBLIC_KEY_BYTES,
  type MlKem768,
  type MlKemBackendName,
  type MlKemKeyPair,
} from "./types.js";

// id-alg-ml-kem-768 = 2.16.840.1.101.3.4.4.2
const ALG_ID = "300b0609608648016503040402";
const SPKI_PREFIX = Buffer.from(`308204b2${ALG_ID}038204a100`, "hex");
const PKCS8_SEED_PREFIX = Buffer.from(`3054020100${ALG_ID}04428040`, "hex");
const PKCS8_EXPANDED_PREFIX = Buffer.from(`30820978020100${ALG_ID}0482096404820960`, "hex");

// The runtime API this module needs; absent from @types/node 20.
type KemApi = {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: KeyObject, ciphertext: Uint8Array): Buffer;
};
const api = nodeCrypto as unknown as Partial<KemApi>;

function rawPublic(key: KeyObject): Uint8Array {
  const der = nodeCrypto.createPublicKey(key).export({ format: "der", type: "spki" });
  if (der.length !== SPKI_PREFIX.length + MLKEM768_PUBLIC_KEY_BYTES) {
    throw new HandshakeError("malformed", "unexpected ML-KEM public key encoding");
  }
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

class NativeMlKemKeyPair extends PublicHalf<MlKemBackendName> implements MlKemKeyPair {
  readonly #key: KeyObject;
  constructor(key: KeyObject) {
    super("native", rawPublic(key));
    this.#key = key;
  }
  decapsulate(cipherText: Uint8Array): Uint8Array {
    return checkedDecapsulate(cipherText, (ct) => new Uint8Array(api.decapsulate!(this.#key, ct)));
  }
}

let available: boolean | undefined;

/** True if this runtime's node:crypto can do ML-KEM-768 (probed once: keygen, encaps, decaps). */
export function nativeMlKem768Available(): boolean {
  if (available !== undefined) return available;
  try {
    if (typeof api.encapsulate !== "function" || typeof api.decapsulate !== "function") {
      available = false;
    } else {
      const pair = nativeMlKem768.generateKeyPair();
      const { cipherText, sharedSecret } = nativeMlKem768.encapsulate(pair.publicKey);
      available = Buffer.from(pair.decapsulate(cipherText)).equals(sharedSecret);
    }
  } catch {
    available = false;
  }
  return available;
}

/** The node:crypto ML-KEM-768 (use only if {@link nativeMlKem768Available}). */
export const nativeMlKem768: MlKem768 = checkedMlKem({
  name: "native",
  generateKeyPair(seed) {
    if (seed === undefined) {
      const generate = nodeCrypto.generateKeyPairSync as unknown as (type: string) => {
        privateKey: KeyObject;
      };
      return guard(() => new NativeMlKemKeyPair(generate("ml-kem-768").privateKey), "ML-KEM keygen");
    }
    return guard(() => new NativeMlKemKeyPair(pkcs8PrivateKey(PKCS8_SEED_PREFIX, seed)), "ML-KEM keygen");
  },
  keyPairFromSecretKey(secretKey) {
    return guard(
      () => new NativeMlKemKeyPair(pkcs8PrivateKey(PKCS8_EXPANDED_PREFIX, secretKey)),
      "ML-KEM secret key",
    );
  },
  encapsulate(publicKey, random) {
    if (random !== undefined) return nobleMlKem768.encapsulate(publicKey, random);
    return guard(() => {
      const key = nodeCrypto.createPublicKey({
        key: Buffer.concat([SPKI_PREFIX, publicKey]),
        format: "der",
        type: "spki",
      });
      const { sharedKey, ciphertext } = api.encapsulate!(key);
      return { cipherText: new Uint8Array(ciphertext), sharedSecret: new Uint8Array(sharedKey) };
    }, "ML-KEM public key");
  },
});
