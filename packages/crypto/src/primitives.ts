/**
 * Free-function façade over the backends: every primitive takes an optional `backend` last
 * argument (`"native"` by default). Keys may be given raw or as standard base64.
 */
import { type BackendChoice, getBackend } from "./backend/index.js";
import type { Backend, KxKeyPair, ScryptParams, SigningKey, VerifyKey } from "./backend/types.js";
import { b64decode, hexEncode, utf8Encode } from "./encoding.js";
import { guard, HandshakeError } from "./errors.js";

/** Raw key bytes or their standard base64 text. */
export type KeyInput = Uint8Array | string;

function keyBytes(input: KeyInput, what: string): Uint8Array {
  if (typeof input === "string") return b64decode(input, 32);
  if (input instanceof Uint8Array && input.length === 32) return input;
  throw new HandshakeError("malformed", `${what} must be 32 bytes`);
}

/** Cryptographically secure random bytes. */
export function randomBytes(length: number, backend?: BackendChoice): Uint8Array {
  return getBackend(backend).randomBytes(length);
}

/** A fresh protocol nonce: 16 random bytes as 32 lowercase hex characters. */
export function randomNonceHex(backend?: BackendChoice): string {
  return hexEncode(getBackend(backend).randomBytes(16));
}

/** SHA-256 of bytes (or of the UTF-8 of a string). */
export function sha256(data: Uint8Array | string, backend?: BackendChoice): Uint8Array {
  return getBackend(backend).sha256(typeof data === "string" ? utf8Encode(data) : data);
}

/**
 * HKDF-SHA256 (RFC 5869).
 * @param salt - `undefined` for "no salt"
 * @param info - bytes, or a string taken as UTF-8
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array | string,
  length: number,
  backend?: BackendChoice,
): Uint8Array {
  return getBackend(backend).hkdfSha256(
    ikm,
    salt,
    typeof info === "string" ? utf8Encode(info) : info,
    length,
  );
}

/** AES-256-GCM encrypt (12-byte IV); returns ciphertext ‖ 16-byte tag. */
export function aesGcmEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
  backend?: BackendChoice,
): Uint8Array {
  return getBackend(backend).aesGcmEncrypt(key, iv, plaintext, aad);
}

/**
 * AES-256-GCM decrypt of ciphertext ‖ tag.
 * @throws HandshakeError `decrypt-failed` or `malformed`
 */
export function aesGcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  aad?: Uint8Array,
  backend?: BackendChoice,
): Uint8Array {
  return getBackend(backend).aesGcmDecrypt(key, iv, ciphertext, aad);
}

/** scrypt (RFC 7914); a string password is taken as UTF-8. */
export function scrypt(
  password: Uint8Array | string,
  salt: Uint8Array,
  params: ScryptParams,
  backend?: BackendChoice,
): Promise<Uint8Array> {
  return getBackend(backend).scrypt(
    typeof password === "string" ? utf8Encode(password) : password,
    salt,
    params,
  );
}

/** A fresh random Ed25519 signing key. */
export function generateSigningKey(backend?: BackendChoice): SigningKey {
  return getBackend(backend).generateSigningKey();
}

/** Ed25519 signing key from its raw 32-byte seed (bytes or base64). @throws HandshakeError `malformed` */
export function signingKeyFromPrivate(raw: KeyInput, backend?: BackendChoice): SigningKey {
  return getBackend(backend).signingKeyFromPrivate(keyBytes(raw, "Ed25519 private key"));
}

const VERIFY_KEY_CACHE_SIZE = 1024;
const verifyKeyCache = new Map<string, VerifyKey>();

/**
 * Ed25519 verify key from its raw 32-byte public key (bytes or base64). Keys given as base64 are
 * cached (up to 1024, least recently used evicted) so verifying with a peer's `sign_pub` string
 * does not re-import the key each time.
 * @throws HandshakeError `malformed`
 */
export function verifyKeyFromPublic(raw: KeyInput, backend?: BackendChoice): VerifyKey {
  const impl = getBackend(backend);
  if (typeof raw !== "string") return impl.verifyKeyFromPublic(keyBytes(raw, "Ed25519 public key"));
  const cacheKey = impl.name + ":" + raw;
  const hit = verifyKeyCache.get(cacheKey);
  if (hit) {
    verifyKeyCache.delete(cacheKey);
    verifyKeyCache.set(cacheKey, hit);
    return hit;
  }
  const key = impl.verifyKeyFromPublic(keyBytes(raw, "Ed25519 public key"));
  if (verifyKeyCache.size >= VERIFY_KEY_CACHE_SIZE) {
    const oldest = verifyKeyCache.keys().next().value;
    if (oldest !== undefined) verifyKeyCache.delete(oldest);
  }
  verifyKeyCache.set(cacheKey, key);
  return key;
}

/** Ed25519 sign with a signing key (deterministic, 64 bytes). */
export function sign(key: SigningKey, message: Uint8Array | string): Uint8Array {
  return guard(() => key.sign(typeof message === "string" ? utf8Encode(message) : message), "sign");
}

/**
 * Ed25519 verify. Never throws for bad signatures or keys: returns false.
 * @param key - a VerifyKey, or a raw/base64 public key
 */
export function verify(
  key: VerifyKey | KeyInput,
  message: Uint8Array | string,
  signature: Uint8Array,
  backend?: BackendChoice,
): boolean {
  try {
    return asVerifyKey(key, backend).verify(
      typeof message === "string" ? utf8Encode(message) : message,
      signature,
    );
  } catch {
    return false;
  }
}

/** A fresh random X25519 key pair. */
export function generateKxKeyPair(backend?: BackendChoice): KxKeyPair {
  return getBackend(backend).generateKxKeyPair();
}

/** X25519 key pair from its raw 32-byte private key (bytes or base64). @throws HandshakeError `malformed` */
export function kxKeyPairFromPrivate(raw: KeyInput, backend?: BackendChoice): KxKeyPair {
  return getBackend(backend).kxKeyPairFromPrivate(keyBytes(raw, "X25519 private key"));
}

/**
 * X25519 Diffie–Hellman.
 * @param privateKey - our key pair, or our raw/base64 private key
 * @param peerPublicKey - the peer's raw/base64 public key
 * @throws HandshakeError `malformed` or `weak-key` (all-zero shared secret)
 */
export function x25519(
  privateKey: KxKeyPair | KeyInput,
  peerPublicKey: KeyInput,
  backend?: BackendChoice,
): Uint8Array {
  return guard(
    () => asKxKeyPair(privateKey, backend).deriveSharedSecret(peerKeyBytes(peerPublicKey)),
    "x25519",
  );
}

/** @internal A peer's X25519 public key as 32 bytes. @throws HandshakeError `malformed` */
export function peerKeyBytes(key: KeyInput): Uint8Array {
  return keyBytes(key, "X25519 public key");
}

/** @internal `key` itself, or the verify key of its raw/base64 public key. */
export function asVerifyKey(key: VerifyKey | KeyInput, backend?: BackendChoice): VerifyKey {
  return typeof key === "string" || key instanceof Uint8Array ? verifyKeyFromPublic(key, backend) : key;
}

/** @internal `key` itself, or the key pair of its raw/base64 private key. */
export function asKxKeyPair(key: KxKeyPair | KeyInput, backend?: BackendChoice): KxKeyPair {
  return typeof key === "string" || key instanceof Uint8Array ? kxKeyPairFromPrivate(key, backend) : key;
}

/** @internal The backend a key schedule runs on: the one asked for, else the key pair's own. */
export function scheduleBackend(key: KxKeyPair | KeyInput, backend?: BackendChoice): Backend {
  return getBackend(
    backend ?? (typeof key === "object" && !(key instanceof Uint8Array) ? key.backend : undefined),
  );
}
