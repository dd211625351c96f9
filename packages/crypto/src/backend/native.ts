/**
 * The `native` backend: node:crypto (OpenSSL), the fast default.
 *
 * Speed comes from never re-importing a key per operation: a raw 32-byte key is wrapped into a
 * `KeyObject` once and the key object (`SigningKey`, `VerifyKey`, `KxKeyPair`) keeps it. Private
 * keys are imported through a fixed PKCS#8 DER prefix. Public keys — the only import on the hot
 * path is the peer's ephemeral X25519 key, once per handshake — go through Node's JWK `OKP` path,
 * which maps to OpenSSL's raw-key constructor and measured ~3× faster than parsing an SPKI DER
 * (OpenSSL 3's decoder framework is slow). If the JWK path ever fails, the DER path is used.
 * HKDF is RFC 5869 on `createHmac`, which measured ~2× faster than `hkdfSync` for 64 bytes.
 *
 * Deadlock guard (Node 20): `keyObject.export({ format: "jwk" })` on a key made by
 * `generateKeyPairSync` can hang the process forever — the export holds the key's mutex while it
 * allocates, a GC then finalizes the finished key-generation job, and that job's destructor takes
 * the same mutex (reproduced here: main thread in `~KeyGenJob` → `uv_mutex_lock` under
 * `ExportJWKEdKey`). So generated keys get their raw public key from the generation itself
 * (`publicKeyEncoding: { format: "jwk" }`, encoded while the job is still alive) and are never
 * JWK-exported afterwards; JWK export is used only on keys we imported ourselves.
 */
import nodeCrypto, { type KeyObject } from "node:crypto";
import { HandshakeError } from "../errors.js";
import { checkedBackend, copyBytes, isAllZero, PublicHalf, requireBytes } from "./common.js";
import type { Backend, KxKeyPair, SigningKey, VerifyKey } from "./types.js";

// DER headers for raw 32-byte keys (RFC 8410): PKCS#8 PrivateKeyInfo and SubjectPublicKeyInfo.
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const SPKI_HEADER_LEN = 12;
const PKCS8_HEADER_LEN = 16;

/** @internal A private `KeyObject` from a fixed PKCS#8 DER prefix and the raw key (the DER is wiped). */
export function pkcs8PrivateKey(prefix: Buffer, raw: Uint8Array): KeyObject {
  const der = Buffer.concat([prefix, raw]);
  try {
    return nodeCrypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } finally {
    der.fill(0);
  }
}

type OkpCurve = "Ed25519" | "X25519";

function publicKeyObject(crv: OkpCurve, raw: Uint8Array): KeyObject {
  const view = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    return nodeCrypto.createPublicKey({
      key: { kty: "OKP", crv, x: view.toString("base64url") },
      format: "jwk",
    });
  } catch {
    const prefix = crv === "Ed25519" ? ED25519_SPKI : X25519_SPKI;
    return nodeCrypto.createPublicKey({ key: Buffer.concat([prefix, view]), format: "der", type: "spki" });
  }
}

/** Raw public key of an imported key (never call on a `generateKeyPairSync` key: see header). */
function rawPublic(key: KeyObject): Uint8Array {
  const x = key.export({ format: "jwk" }).x;
  if (typeof x === "string") {
    const raw = Buffer.from(x, "base64url");
    if (raw.length === 32) return raw;
  }
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.buffer, der.byteOffset + SPKI_HEADER_LEN, 32);
}

// @types/node has no overload for OKP keys with a JWK public encoding; this is its real shape.
type GenerateWithJwk = (
  type: "ed25519" | "x25519",
  options: { publicKeyEncoding: { format: "jwk" } },
) => { privateKey: KeyObject; publicKey: nodeCrypto.JsonWebKey };

/** A fresh key pair whose raw public key is encoded by the generation job itself (see header). */
function generateWithRawPublic(type: "ed25519" | "x25519"): { privateKey: KeyObject; publicRaw: Uint8Array } {
  const generate = nodeCrypto.generateKeyPairSync as unknown as GenerateWithJwk;
  const { privateKey, publicKey } = generate(type, { publicKeyEncoding: { format: "jwk" } });
  const raw = typeof publicKey.x === "string" ? Buffer.from(publicKey.x, "base64url") : Buffer.alloc(0);
  if (raw.length !== 32) throw new HandshakeError("malformed", "unexpected generated key encoding");
  return { privateKey, publicRaw: raw };
}

/** Requests up to this many bytes are served from the pool; larger ones get their own fill. */
const POOL_MAX_REQUEST = 256;
const POOL_BYTES = 8192;
let randomPool: Buffer | null = null;
let randomPoolOffset = POOL_BYTES;

/**
 * @internal CSPRNG bytes from `crypto.randomFillSync`, amortised: a call into OpenSSL costs about
 * the same for 16 bytes as for 8 KiB, so small requests are cut from a pooled fill. Every byte is
 * handed out once (the pool's used part is wiped right away) as a fresh copy that shares no memory
 * with the pool or any other caller; the pool is refilled when it runs short.
 */
export function pooledRandomBytes(length: number): Uint8Array {
  if (length > POOL_MAX_REQUEST) return nodeCrypto.randomBytes(length);
  if (randomPool === null) randomPool = Buffer.allocUnsafeSlow(POOL_BYTES);
  if (randomPoolOffset + length > POOL_BYTES) {
    nodeCrypto.randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const start = randomPoolOffset;
  randomPoolOffset += length;
  const out = Buffer.allocUnsafeSlow(length);
  randomPool.copy(out, 0, start, start + length);
  randomPool.fill(0, start, start + length);
  return out;
}

const ZERO_SALT = new Uint8Array(32);

/** HKDF-SHA256 (RFC 5869) on createHmac; an empty or absent salt means HashLen zero bytes. */
function hkdfHmac(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const prk = nodeCrypto
    .createHmac("sha256", salt === undefined || salt.length === 0 ? ZERO_SALT : salt)
    .update(ikm)
    .digest();
  const blocks = Math.ceil(length / 32);
  const out = new Uint8Array(blocks * 32);
  let prev: Uint8Array = new Uint8Array(0);
  const counter = new Uint8Array(1);
  for (let i = 1; i <= blocks; i++) {
    counter[0] = i;
    prev = nodeCrypto.createHmac("sha256", prk).update(prev).update(info).update(counter).digest();
    out.set(prev, (i - 1) * 32);
  }
  prk.fill(0);
  return length === out.length ? out : out.slice(0, length);
}

function rawPrivate(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "pkcs8" });
  const out = copyBytes(der.subarray(PKCS8_HEADER_LEN, PKCS8_HEADER_LEN + 32));
  der.fill(0);
  return out;
}

// Ed25519 public keys OpenSSL accepts but strict RFC 8032 / FIPS 186-5 verifiers (and noble with
// zip215: false) reject: a y coordinate ≥ p (non-canonical), or a small-order point, for which a
// trivial signature (R = identity, S = 0) "verifies" on every message. Small-order points have
// y ∈ {0, 1, −1, ±y8}; compared with the x-sign bit cleared, so both signs are covered.
const ED25519_P_LE = Buffer.from("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "hex");
const SMALL_ORDER_Y = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
].map((h) => Buffer.from(h, "hex"));

/** @internal True for Ed25519 public keys a strict verifier must never accept a signature for. */
export function isWeakEd25519PublicKey(pub: Uint8Array): boolean {
  const y = Buffer.from(pub);
  y[31] = y[31]! & 0x7f;
  for (let i = 31; i >= 0; i--) {
    if (y[i]! < ED25519_P_LE[i]!) break;
    if (y[i]! > ED25519_P_LE[i]! || i === 0) return true; // y >= p
  }
  return SMALL_ORDER_Y.some((w) => w.equals(y));
}

class NativeVerifyKey extends PublicHalf implements VerifyKey {
  readonly #weak: boolean;
  readonly #key: KeyObject;
  constructor(publicKey: Uint8Array, key: KeyObject) {
    super("native", publicKey);
    this.#key = key;
    this.#weak = isWeakEd25519PublicKey(publicKey);
  }
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (
      this.#weak ||
      !(message instanceof Uint8Array) ||
      !(signature instanceof Uint8Array) ||
      signature.length !== 64
    ) {
      return false;
    }
    try {
      return nodeCrypto.verify(null, message, this.#key, signature);
    } catch {
      return false;
    }
  }
}

class NativeSigningKey extends PublicHalf implements SigningKey {
  readonly verifyKey: VerifyKey;
  readonly #key: KeyObject;
  constructor(key: KeyObject, publicKey: Uint8Array, publicObject: KeyObject) {
    super("native", publicKey);
    this.#key = key;
    this.verifyKey = new NativeVerifyKey(publicKey, publicObject);
  }
  sign(message: Uint8Array): Uint8Array {
    requireBytes(message, "message");
    return nodeCrypto.sign(null, message, this.#key);
  }
  exportPrivateKey(): Uint8Array {
    return rawPrivate(this.#key);
  }
}

class NativeKxKeyPair extends PublicHalf implements KxKeyPair {
  readonly #key: KeyObject;
  constructor(key: KeyObject, publicKey: Uint8Array) {
    super("native", publicKey);
    this.#key = key;
  }
  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array {
    requireBytes(peerPublicKey, "peer X25519 public key", 32);
    let shared: Buffer;
    try {
      shared = nodeCrypto.diffieHellman({
        privateKey: this.#key,
        publicKey: publicKeyObject("X25519", peerPublicKey),
      });
    } catch {
      // OpenSSL refuses to return the all-zero secret of a low-order point (RFC 7748 §6.1).
      throw new HandshakeError("weak-key", "X25519 shared secret is zero");
    }
    if (isAllZero(shared)) throw new HandshakeError("weak-key", "X25519 shared secret is zero");
    return shared;
  }
  exportPrivateKey(): Uint8Array {
    return rawPrivate(this.#key);
  }
}

function aesGcmOpen(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const decipher = nodeCrypto.createDecipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  if (aad !== undefined) decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const head = decipher.update(ciphertext.subarray(0, ciphertext.length - 16));
  return Buffer.concat([head, decipher.final()]);
}

/** The node:crypto backend. */
export const nativeBackend: Backend = checkedBackend({
  name: "native",
  randomBytes: pooledRandomBytes,
  sha256: (data) => nodeCrypto.createHash("sha256").update(data).digest(),
  hkdfSha256: hkdfHmac,
  aesGcmEncrypt(key, iv, plaintext, aad) {
    const cipher = nodeCrypto.createCipheriv("aes-256-gcm", key, iv);
    if (aad !== undefined) cipher.setAAD(aad);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return Buffer.concat([head, tail, cipher.getAuthTag()]);
  },
  aesGcmDecrypt: aesGcmOpen,
  scrypt: (password, salt, { N, r, p, dkLen }, maxmem) =>
    new Promise((resolve, reject) => {
      nodeCrypto.scrypt(password, salt, dkLen, { N, r, p, maxmem }, (err, key) => {
        if (err) reject(new HandshakeError("malformed", "scrypt failed"));
        else resolve(key);
      });
    }),
  generateSigningKey() {
    const { privateKey, publicRaw: raw } = generateWithRawPublic("ed25519");
    return new NativeSigningKey(privateKey, raw, publicKeyObject("Ed25519", raw));
  },
  signingKeyFromPrivate(raw) {
    const key = pkcs8PrivateKey(ED25519_PKCS8, raw);
    const pub = nodeCrypto.createPublicKey(key);
    return new NativeSigningKey(key, rawPublic(pub), pub);
  },
  verifyKeyFromPublic(raw) {
    let key: KeyObject;
    try {
      key = publicKeyObject("Ed25519", raw);
    } catch {
      throw new HandshakeError("malformed", "invalid Ed25519 public key");
    }
    return new NativeVerifyKey(copyBytes(raw), key);
  },
  generateKxKeyPair() {
    const { privateKey, publicRaw } = generateWithRawPublic("x25519");
    return new NativeKxKeyPair(privateKey, publicRaw);
  },
  kxKeyPairFromPrivate(raw) {
    const key = pkcs8PrivateKey(X25519_PKCS8, raw);
    return new NativeKxKeyPair(key, rawPublic(nodeCrypto.createPublicKey(key)));
  },
});
