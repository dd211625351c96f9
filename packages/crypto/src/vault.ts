/**
 * The `id.v1` identity vault (SUBSTRATE-API.md §6, `vault-id-v1.json`), compatible with HSAgent_2:
 * `{v:"id.v1", kdf:"scrypt", salt:b64(16), nonce:b64(12), aad:b64("HSAgent.identity.v1"),
 * ciphertext:b64(ct‖tag)}` with key = scrypt(passphrase UTF-8, salt, N=2^14, r=8, p=1, 32) and
 * AES-256-GCM. The plaintext is the identity as ASCII canonical JSON (sorted keys, no spaces),
 * which is what the original writes (verified by decrypting the vector).
 */
import { randomUUID } from "node:crypto";
import { type BackendChoice, getBackend } from "./backend/index.js";
import type { KxKeyPair, ScryptParams, SigningKey } from "./backend/types.js";
import { canonicalJson, parseJsonObject } from "./canonical.js";
import { b64decode, b64encode, hexEncode, isB64OfLength, utf8Decode, utf8Encode } from "./encoding.js";
import { guard, guardAsync, HandshakeError, requireObject } from "./errors.js";
import { kxKeyPairFromPrivate, signingKeyFromPrivate } from "./primitives.js";
import { formatTimestamp } from "./timestamp.js";

/** An agent's long-term identity, as stored inside the vault (field names as HSAgent_2). */
export interface IdentityRecord {
  /** agentId, a UUIDv4. */
  my_id: string;
  /** Creation time, `YYYY-MM-DDTHH:MM:SS+00:00`. */
  created_at: string;
  /** X25519 private key, base64 of 32 bytes. */
  kx_priv_b64: string;
  /** X25519 public key, base64 of 32 bytes. */
  kx_pub_b64: string;
  /** Ed25519 private seed, base64 of 32 bytes. */
  sign_priv_b64: string;
  /** Ed25519 public key, base64 of 32 bytes. */
  sign_pub_b64: string;
}

/** The encrypted vault object. */
export interface IdentityVaultV1 {
  v: "id.v1";
  kdf: "scrypt";
  /** base64 of the 16-byte scrypt salt. */
  salt: string;
  /** base64 of the 12-byte AES-GCM IV. */
  nonce: string;
  /** base64 of the AAD, `HSAgent.identity.v1`. */
  aad: string;
  /** base64 of ciphertext ‖ tag. */
  ciphertext: string;
}

/** The AAD string of `id.v1` vaults. */
export const VAULT_AAD = "HSAgent.identity.v1";
/** scrypt parameters of `id.v1` vaults. */
export const VAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({
  N: 2 ** 14,
  r: 8,
  p: 1,
  dkLen: 32,
});

const UUID_V4_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True if `text` is a lowercase UUIDv4 string. */
export function isUuidV4(text: unknown): text is string {
  return typeof text === "string" && UUID_V4_RE.test(text);
}

/** A random UUIDv4 from the backend's random source. */
export function randomUuidV4(backend?: BackendChoice): string {
  const impl = getBackend(backend);
  if (impl.name === "native") return randomUUID();
  const b = impl.randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hexEncode(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isKey = (v: unknown): v is string => isB64OfLength(v, 32);

/** Each field of an identity record, in order, and what it must hold. */
const IDENTITY_FIELDS: Readonly<Record<keyof IdentityRecord, (v: unknown) => v is string>> = {
  my_id: isString,
  created_at: isString,
  kx_priv_b64: isKey,
  kx_pub_b64: isKey,
  sign_priv_b64: isKey,
  sign_pub_b64: isKey,
};

/**
 * Check an identity record's shape (strings; keys base64 of 32 bytes).
 * @throws HandshakeError `malformed` naming the first field that fails
 */
export function validateIdentityRecord(value: unknown): IdentityRecord {
  const o = requireObject(value, "identity is not an object");
  const out: Partial<Record<keyof IdentityRecord, string>> = {};
  for (const [k, check] of Object.entries(IDENTITY_FIELDS) as [keyof IdentityRecord, typeof isString][]) {
    const v = o[k];
    if (!check(v)) throw new HandshakeError("malformed", `identity ${k}`);
    out[k] = v;
  }
  return out as IdentityRecord;
}

/** Options for {@link generateIdentity}. */
export interface GenerateIdentityOptions {
  /** agentId to use; default a fresh UUIDv4. */
  myId?: string;
  /** Creation time; default now. */
  now?: Date | number;
  backend?: BackendChoice;
}

/** A fresh identity: new Ed25519 and X25519 keys, a UUIDv4 id and `created_at`. */
export function generateIdentity(options: GenerateIdentityOptions = {}): IdentityRecord {
  const impl = getBackend(options.backend);
  const sign = impl.generateSigningKey();
  const kx = impl.generateKxKeyPair();
  const signPriv = sign.exportPrivateKey();
  const kxPriv = kx.exportPrivateKey();
  const record: IdentityRecord = {
    my_id: options.myId ?? randomUuidV4(impl),
    created_at: formatTimestamp(options.now === undefined ? new Date() : new Date(options.now)),
    kx_priv_b64: b64encode(kxPriv),
    kx_pub_b64: kx.publicKeyB64,
    sign_priv_b64: b64encode(signPriv),
    sign_pub_b64: sign.publicKeyB64,
  };
  signPriv.fill(0);
  kxPriv.fill(0);
  return record;
}

/** Key objects loaded from an identity. */
export interface IdentityKeys {
  signingKey: SigningKey;
  kx: KxKeyPair;
}

/**
 * Load an identity's key objects, checking that each public key matches its private key.
 * @throws HandshakeError `malformed`
 */
export function loadIdentityKeys(identity: IdentityRecord, backend?: BackendChoice): IdentityKeys {
  return guard(() => {
    const id = validateIdentityRecord(identity);
    const signingKey = signingKeyFromPrivate(id.sign_priv_b64, backend);
    const kx = kxKeyPairFromPrivate(id.kx_priv_b64, backend);
    if (signingKey.publicKeyB64 !== id.sign_pub_b64 || kx.publicKeyB64 !== id.kx_pub_b64) {
      throw new HandshakeError("malformed", "identity public key does not match private key");
    }
    return { signingKey, kx };
  }, "identity keys");
}

/** Options for {@link encryptIdentityVault}. */
export interface EncryptVaultOptions {
  backend?: BackendChoice;
  /** 16-byte salt (default random). For tests. */
  salt?: Uint8Array;
  /** 12-byte IV (default random). For tests; never reuse. */
  nonce?: Uint8Array;
}

function passphraseBytes(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new HandshakeError("malformed", "passphrase must be a non-empty string");
  }
  return utf8Encode(passphrase);
}

/**
 * Encrypt an identity into an `id.v1` vault.
 * @throws HandshakeError `malformed`
 */
export async function encryptIdentityVault(
  identity: IdentityRecord,
  passphrase: string,
  options: EncryptVaultOptions = {},
): Promise<IdentityVaultV1> {
  return guardAsync(async () => {
    const impl = getBackend(options.backend);
    const id = validateIdentityRecord(identity);
    const salt = options.salt ?? impl.randomBytes(16);
    const nonce = options.nonce ?? impl.randomBytes(12);
    if (salt.length !== 16 || nonce.length !== 12) throw new HandshakeError("malformed", "salt/nonce length");
    const key = await impl.scrypt(passphraseBytes(passphrase), salt, VAULT_SCRYPT_PARAMS);
    const aad = utf8Encode(VAULT_AAD);
    const pt = utf8Encode(canonicalJson(id, { ascii: true }));
    const ct = impl.aesGcmEncrypt(key, nonce, pt, aad);
    key.fill(0);
    pt.fill(0);
    return {
      v: "id.v1",
      kdf: "scrypt",
      salt: b64encode(salt),
      nonce: b64encode(nonce),
      aad: b64encode(aad),
      ciphertext: b64encode(ct),
    };
  }, "encrypt vault");
}

/**
 * Decrypt an `id.v1` vault.
 * @throws HandshakeError `decrypt-failed` (wrong passphrase or tampered), `malformed` — nothing else
 */
export async function decryptIdentityVault(
  vault: unknown,
  passphrase: string,
  options: { backend?: BackendChoice } = {},
): Promise<IdentityRecord> {
  return guardAsync(async () => {
    const v = requireObject(vault, "vault is not an object");
    if (v.v !== "id.v1" || v.kdf !== "scrypt")
      throw new HandshakeError("malformed", "unsupported vault format");
    if (!isB64OfLength(v.salt, 16) || !isB64OfLength(v.nonce, 12) || typeof v.aad !== "string") {
      throw new HandshakeError("malformed", "vault fields");
    }
    const aad = b64decode(v.aad);
    const ct = b64decode(v.ciphertext);
    if (ct.length < 16) throw new HandshakeError("malformed", "vault ciphertext shorter than tag");
    const impl = getBackend(options.backend);
    const key = await impl.scrypt(passphraseBytes(passphrase), b64decode(v.salt, 16), VAULT_SCRYPT_PARAMS);
    try {
      const pt = impl.aesGcmDecrypt(key, b64decode(v.nonce, 12), ct, aad);
      const record = validateIdentityRecord(parseJsonObject(utf8Decode(pt)));
      pt.fill(0);
      return record;
    } finally {
      key.fill(0);
    }
  }, "decrypt vault");
}
