/**
 * The primitive layer both backends implement. Key material lives in key objects
 * (`SigningKey`, `VerifyKey`, `KxKeyPair`) created once from raw bytes, so the native backend can
 * keep an OpenSSL `KeyObject` inside and pay the import cost only once per key.
 */

/** Which implementation runs the primitives: OpenSSL via `node:crypto`, or pure-JS `@noble/*`. */
export type BackendName = "native" | "noble";

/** All backend names. */
export const BACKEND_NAMES: readonly BackendName[] = ["native", "noble"];

/** An Ed25519 public key, ready to verify. */
export interface VerifyKey {
  /** Backend that created this key. */
  readonly backend: BackendName;
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Raw public key as standard base64 with padding. */
  readonly publicKeyB64: string;
  /** RFC 8032 verification; false (never a throw) for any bad input. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** An Ed25519 private key (32-byte seed) with its public half. */
export interface SigningKey {
  /** Backend that created this key. */
  readonly backend: BackendName;
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Raw public key as standard base64 with padding. */
  readonly publicKeyB64: string;
  /** The public half as a verify key. */
  readonly verifyKey: VerifyKey;
  /** Deterministic Ed25519 signature (64 bytes). */
  sign(message: Uint8Array): Uint8Array;
  /** A copy of the raw 32-byte private seed (for the identity vault only). */
  exportPrivateKey(): Uint8Array;
}

/** An X25519 key pair. */
export interface KxKeyPair {
  /** Backend that created this key. */
  readonly backend: BackendName;
  /** Raw 32-byte public key (u-coordinate). */
  readonly publicKey: Uint8Array;
  /** Raw public key as standard base64 with padding. */
  readonly publicKeyB64: string;
  /**
   * X25519(this, peer).
   * @throws HandshakeError `malformed` (peer key not 32 bytes) or `weak-key` (all-zero result)
   */
  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array;
  /** A copy of the raw 32-byte private key. */
  exportPrivateKey(): Uint8Array;
}

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two > 1. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
  /** Output length in bytes. */
  dkLen: number;
}

/** The primitive operations; implemented by `native` and `noble`. */
export interface Backend {
  /** This backend's name. */
  readonly name: BackendName;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  /** SHA-256. */
  sha256(data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869); `salt` undefined means no salt (HashLen zero bytes). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array;
  /** AES-256-GCM encrypt with a 12-byte IV; returns ciphertext ‖ 16-byte tag. */
  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /**
   * AES-256-GCM decrypt of ciphertext ‖ tag.
   * @throws HandshakeError `decrypt-failed` (authentication) or `malformed` (sizes)
   */
  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** scrypt (RFC 7914). */
  scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array>;
  /** Fresh random Ed25519 key. */
  generateSigningKey(): SigningKey;
  /** Ed25519 key from its raw 32-byte seed. @throws HandshakeError `malformed` */
  signingKeyFromPrivate(raw: Uint8Array): SigningKey;
  /** Ed25519 verify key from its raw 32-byte public key. @throws HandshakeError `malformed` */
  verifyKeyFromPublic(raw: Uint8Array): VerifyKey;
  /** Fresh random X25519 key pair. */
  generateKxKeyPair(): KxKeyPair;
  /** X25519 key pair from the raw 32-byte private key. @throws HandshakeError `malformed` */
  kxKeyPairFromPrivate(raw: Uint8Array): KxKeyPair;
}
