/**
 * The `noble` backend: pure-JS @noble/curves, @noble/hashes and @noble/ciphers. Slower than
 * OpenSSL but runs anywhere, and serves as an independent cross-check of the native backend.
 *
 * Ed25519 verification uses `zip215: false`, i.e. strict RFC 8032 / FIPS 186-5 rules like
 * OpenSSL (canonical encodings only); noble additionally rejects small-order public keys.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { HandshakeError } from "../errors.js";
import { checkedBackend, copyBytes, isAllZero, PublicHalf, requireBytes } from "./common.js";
import type { Backend, KxKeyPair, SigningKey, VerifyKey } from "./types.js";

class NobleVerifyKey extends PublicHalf implements VerifyKey {
  constructor(publicKey: Uint8Array) {
    super("noble", publicKey);
  }
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64) {
      return false;
    }
    try {
      return ed25519.verify(signature, message, this.publicKey, { zip215: false });
    } catch {
      return false;
    }
  }
}

/** Reads a key's secret; only the classes below get it (set in NobleKey's static block). */
let secretOf: (key: NobleKey) => Uint8Array;

/** A noble private key: its own copy of the 32-byte secret and the public half derived from it. */
abstract class NobleKey extends PublicHalf {
  readonly #secret: Uint8Array;
  static {
    secretOf = (key) => key.#secret;
  }
  constructor(secret: Uint8Array, publicOf: (secret: Uint8Array) => Uint8Array) {
    const own = copyBytes(secret);
    super("noble", publicOf(own));
    this.#secret = own;
  }
  exportPrivateKey(): Uint8Array {
    return copyBytes(this.#secret);
  }
}

class NobleSigningKey extends NobleKey implements SigningKey {
  readonly verifyKey: VerifyKey;
  constructor(seed: Uint8Array) {
    super(seed, ed25519.getPublicKey);
    this.verifyKey = new NobleVerifyKey(this.publicKey);
  }
  sign(message: Uint8Array): Uint8Array {
    requireBytes(message, "message");
    return ed25519.sign(message, secretOf(this));
  }
}

class NobleKxKeyPair extends NobleKey implements KxKeyPair {
  constructor(secret: Uint8Array) {
    super(secret, x25519.getPublicKey);
  }
  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array {
    requireBytes(peerPublicKey, "peer X25519 public key", 32);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(secretOf(this), peerPublicKey);
    } catch {
      // noble rejects the low-order points whose result would be all-zero.
      throw new HandshakeError("weak-key", "X25519 shared secret is zero");
    }
    if (isAllZero(shared)) throw new HandshakeError("weak-key", "X25519 shared secret is zero");
    return shared;
  }
}

/** The @noble/* backend. */
export const nobleBackend: Backend = checkedBackend({
  name: "noble",
  randomBytes,
  sha256: (data) => sha256(data),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  aesGcmEncrypt: (key, iv, plaintext, aad) => gcm(key, iv, aad).encrypt(plaintext),
  aesGcmDecrypt: (key, iv, ciphertext, aad) => gcm(key, iv, aad).decrypt(ciphertext),
  scrypt: (password, salt, params, maxmem) => scryptAsync(password, salt, { ...params, maxmem }),
  generateSigningKey: () => new NobleSigningKey(randomBytes(32)),
  signingKeyFromPrivate: (raw) => new NobleSigningKey(raw),
  verifyKeyFromPublic: (raw) => new NobleVerifyKey(copyBytes(raw)),
  generateKxKeyPair: () => new NobleKxKeyPair(randomBytes(32)),
  kxKeyPairFromPrivate: (raw) => new NobleKxKeyPair(raw),
});
