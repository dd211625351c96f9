/**
 * ML-KEM-768 (FIPS 203): the interface every KEM implementation (`native` on node:crypto where the
 * runtime has it, `liboqs` WebAssembly once loaded, `noble` everywhere) provides, and its sizes. Used by the hybrid X25519+ML-KEM-768
 * key agreement of the v2 handshake.
 */
import type { BackendName } from "../backend/types.js";

/**
 * Which implementation runs ML-KEM-768: the primitive backends (`native` node:crypto, `noble`
 * pure JS), or `liboqs` (WebAssembly, loaded asynchronously).
 */
export type MlKemBackendName = BackendName | "liboqs";

/** Encapsulation (public) key size, bytes. */
export const MLKEM768_PUBLIC_KEY_BYTES = 1184;
/** Expanded decapsulation (secret) key size, bytes. */
export const MLKEM768_SECRET_KEY_BYTES = 2400;
/** Ciphertext size, bytes. */
export const MLKEM768_CIPHERTEXT_BYTES = 1088;
/** Shared secret size, bytes. */
export const MLKEM768_SHARED_SECRET_BYTES = 32;
/** Key-generation seed `d ‖ z`, bytes. */
export const MLKEM768_SEED_BYTES = 64;
/** Encapsulation randomness `m`, bytes. */
export const MLKEM768_ENCAPS_RANDOM_BYTES = 32;

/** An ML-KEM-768 key pair: the public key to send, the secret half kept inside. */
export interface MlKemKeyPair {
  /** Implementation that created this key. */
  readonly backend: MlKemBackendName;
  /** Raw 1184-byte encapsulation key. */
  readonly publicKey: Uint8Array;
  /** The encapsulation key as standard base64 with padding. */
  readonly publicKeyB64: string;
  /**
   * ML-KEM.Decaps. A ciphertext of the right length but wrong content yields an unrelated
   * secret (implicit rejection), as FIPS 203 requires; it does not throw.
   * @throws HandshakeError `malformed` if the ciphertext is not 1088 bytes
   */
  decapsulate(cipherText: Uint8Array): Uint8Array;
}

/** Result of an encapsulation: the ciphertext to send and the 32-byte shared secret. */
export interface MlKemEncapsulation {
  /** 1088-byte ciphertext. */
  cipherText: Uint8Array;
  /** 32-byte shared secret. Keep in memory only. */
  sharedSecret: Uint8Array;
}

/** One ML-KEM-768 implementation. */
export interface MlKem768 {
  /** Which implementation this is. */
  readonly name: MlKemBackendName;
  /**
   * ML-KEM.KeyGen. `seed` (64 bytes, `d ‖ z`) makes it deterministic, for vectors and tests;
   * absent, fresh randomness is used.
   * @throws HandshakeError `malformed` (seed size)
   */
  generateKeyPair(seed?: Uint8Array): MlKemKeyPair;
  /**
   * A key pair from an expanded 2400-byte decapsulation key (FIPS 203 layout).
   * @throws HandshakeError `malformed` (size, or the embedded hash check fails)
   */
  keyPairFromSecretKey(secretKey: Uint8Array): MlKemKeyPair;
  /**
   * ML-KEM.Encaps to `publicKey`, including the FIPS 203 modulus check of the key. `random`
   * (32 bytes, `m`) makes it deterministic; absent, fresh randomness is used.
   * @throws HandshakeError `malformed` (sizes, or a public key that fails the modulus check)
   */
  encapsulate(publicKey: Uint8Array, random?: Uint8Array): MlKemEncapsulation;
}
