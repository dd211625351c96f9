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
import { b64encode } from "../encoding.js";
import { HandshakeError } from "../errors.js";
import { copyBytes, isAllZero, requireBytes, requireLength, requireScryptParams } from "./common.js";
import type { Backend, KxKeyPair, SigningKey, VerifyKey } from "./types.js";

class NobleVerifyKey implements VerifyKey {
  readonly backend = "noble" as const;
  readonly publicKeyB64: string;
  constructor(readonly publicKey: Uint8Array) {
    this.publicKeyB64 = b64encode(publicKey);
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

class NobleSigningKey implements SigningKey {
  readonly backend = "noble" as const;
  readonly publicKey: Uint8Array;
  readonly publicKeyB64: string;
  readonly verifyKey: VerifyKey;
  private readonly seed: Uint8Array;
  constructor(seed: Uint8Array) {
    this.seed = copyBytes(seed);
    this.publicKey = ed25519.getPublicKey(this.seed);
    this.publicKeyB64 = b64encode(this.publicKey);
    this.verifyKey = new NobleVerifyKey(this.publicKey);
  }
  sign(message: Uint8Array): Uint8Array {
    requireBytes(message, "message");
    return ed25519.sign(message, this.seed);
  }
  exportPrivateKey(): Uint8Array {
    return copyBytes(this.seed);
  }
}

class NobleKxKeyPair implements KxKeyPair {
  readonly backend = "noble" as const;
  readonly publicKey: Uint8Array;
  readonly publicKeyB64: string;
  private readonly secret: Uint8Array;
  constructor(secret: Uint8Array) {
    this.secret = copyBytes(secret);
    this.publicKey = x25519.getPublicKey(this.secret);
    this.publicKeyB64 = b64encode(this.publicKey);
  }
  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array {
    requireBytes(peerPublicKey, "peer X25519 public key", 32);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(this.secret, peerPublicKey);
    } catch {
      // noble rejects the low-order points whose result would be all-zero.
      throw new HandshakeError("weak-key", "X25519 shared secret is zero");
    }
    if (isAllZero(shared)) throw new HandshakeError("weak-key", "X25519 shared secret is zero");
    return shared;
  }
  exportPrivateKey(): Uint8Array {
    return copyBytes(this.secret);
  }
}

/** The @noble/* backend. */
export const nobleBackend: Backend = {
  name: "noble",
  randomBytes(length) {
    return randomBytes(requireLength(length, "length", 1 << 20));
  },
  sha256(data) {
    return sha256(requireBytes(data, "data"));
  },
  hkdfSha256(ikm, salt, info, length) {
    requireBytes(ikm, "ikm");
    if (salt !== undefined) requireBytes(salt, "salt");
    requireBytes(info, "info");
    requireLength(length, "length", 255 * 32);
    if (length === 0) return new Uint8Array(0);
    return hkdf(sha256, ikm, salt, info, length);
  },
  aesGcmEncrypt(key, iv, plaintext, aad) {
    requireBytes(key, "key", 32);
    requireBytes(iv, "iv", 12);
    requireBytes(plaintext, "plaintext");
    if (aad !== undefined) requireBytes(aad, "aad");
    return gcm(key, iv, aad).encrypt(plaintext);
  },
  aesGcmDecrypt(key, iv, ciphertext, aad) {
    requireBytes(key, "key", 32);
    requireBytes(iv, "iv", 12);
    requireBytes(ciphertext, "ciphertext");
    if (aad !== undefined) requireBytes(aad, "aad");
    if (ciphertext.length < 16) throw new HandshakeError("decrypt-failed", "ciphertext shorter than tag");
    try {
      return gcm(key, iv, aad).decrypt(ciphertext);
    } catch {
      throw new HandshakeError("decrypt-failed", "AES-GCM authentication failed");
    }
  },
  async scrypt(password, salt, params) {
    const { N, r, p, dkLen } = requireScryptParams(params);
    requireBytes(password, "password");
    requireBytes(salt, "salt");
    const maxmem = 128 * N * r * 2 + 128 * r * p + 16 * 1024 * 1024;
    return scryptAsync(password, salt, { N, r, p, dkLen, maxmem });
  },
  generateSigningKey() {
    return new NobleSigningKey(randomBytes(32));
  },
  signingKeyFromPrivate(raw) {
    return new NobleSigningKey(requireBytes(raw, "Ed25519 private key", 32));
  },
  verifyKeyFromPublic(raw) {
    return new NobleVerifyKey(copyBytes(requireBytes(raw, "Ed25519 public key", 32)));
  },
  generateKxKeyPair() {
    return new NobleKxKeyPair(randomBytes(32));
  },
  kxKeyPairFromPrivate(raw) {
    return new NobleKxKeyPair(requireBytes(raw, "X25519 private key", 32));
  },
};
