/**
 * The legacy v1 `sec` envelope (PROTOCOL.md §6), byte-compatible with HSAgent_2:
 * `{"envelope":{"nonce":b64(12),"ciphertext":b64(ct‖tag),"hash":b64(SHA-256(pt)),"ts"},
 *   "sig":b64(Ed25519(canonical(envelope)))}`,
 * where `pt` is the ASCII canonical JSON of `{"message": ...}` and the AES-GCM AAD is the raw
 * 32-byte SHA-256 of `pt`. One key serves both directions.
 *
 * Open checks: shape (`malformed`) → signature with the pinned key (`bad-signature`) →
 * AES-GCM (`decrypt-failed`) → hash of the plaintext (`hash-mismatch`) → JSON object (`malformed`).
 */
import { type BackendChoice, getBackend } from "./backend/index.js";
import type { SigningKey, VerifyKey } from "./backend/types.js";
import { canonicalJson, type JsonObject, type JsonValue, parseJsonObject } from "./canonical.js";
import { b64decode, b64encode, bytesEqual, isB64OfLength, utf8Decode, utf8Encode } from "./encoding.js";
import { guard, HandshakeError, requireObject } from "./errors.js";
import { asVerifyKey, type KeyInput } from "./primitives.js";
import { formatTimestamp, parseTimestampMs } from "./timestamp.js";

/** The signed envelope. */
export interface SecV1Envelope {
  /** base64 of the 12-byte AES-GCM IV. */
  nonce: string;
  /** base64 of ciphertext ‖ tag. */
  ciphertext: string;
  /** base64 SHA-256 of the plaintext bytes. */
  hash: string;
  /** ISO-8601 timestamp. */
  ts: string;
}

/** The v1 `sec` object on the wire. */
export interface SecV1 {
  envelope: SecV1Envelope;
  /** base64 Ed25519 signature over the ASCII canonical JSON of `envelope`. */
  sig: string;
}

/** Options for {@link sealSecV1}. */
export interface SealSecV1Options {
  /** The v1 session key (32 bytes). */
  key: Uint8Array;
  /** Our long-term Ed25519 key. */
  signingKey: SigningKey;
  /** The `message` value; the plaintext is `{"message": message}`. */
  message: JsonValue;
  /** Envelope timestamp; default `formatTimestamp(now)`. */
  ts?: string;
  /** Clock for the default timestamp. */
  now?: Date | number;
  /** 12-byte IV; default random. Never reuse one with the same key. */
  nonce?: Uint8Array;
  backend?: BackendChoice;
}

/**
 * Seal a v1 `sec`.
 * @throws HandshakeError `malformed` for bad inputs
 */
export function sealSecV1(options: SealSecV1Options): SecV1 {
  return guard(() => {
    const impl = getBackend(options.backend);
    const pt = utf8Encode(canonicalJson({ message: options.message }, { ascii: true }));
    const hash = impl.sha256(pt);
    const nonce = options.nonce ?? impl.randomBytes(12);
    const ct = impl.aesGcmEncrypt(options.key, nonce, pt, hash);
    const ts = options.ts ?? formatTimestamp(options.now === undefined ? new Date() : new Date(options.now));
    const envelope: SecV1Envelope = {
      nonce: b64encode(nonce),
      ciphertext: b64encode(ct),
      hash: b64encode(hash),
      ts,
    };
    const sig = options.signingKey.sign(utf8Encode(canonicalJson(envelope, { ascii: true })));
    return { envelope, sig: b64encode(sig) };
  }, "seal sec v1");
}

/** Options for {@link openSecV1}. */
export interface OpenSecV1Options {
  /** The v1 session key (32 bytes). */
  key: Uint8Array;
  /** The sender's pinned long-term key (VerifyKey, raw or base64). */
  pin: VerifyKey | KeyInput;
  backend?: BackendChoice;
}

/** Result of {@link openSecV1}. */
export interface OpenedSecV1 {
  /** The decrypted plaintext object, e.g. `{"message": "..."}`. */
  plaintext: JsonObject;
  /** `plaintext.message` (undefined if absent). */
  message: JsonValue | undefined;
  /** The envelope timestamp as sent. */
  ts: string;
}

/**
 * Open a v1 `sec`.
 * @throws HandshakeError — and nothing else — for any input
 */
export function openSecV1(sec: unknown, options: OpenSecV1Options): OpenedSecV1 {
  return guard(() => {
    const s = requireObject(sec, "sec is not an object");
    const env = s.envelope;
    const e = requireObject(env, "envelope is not an object");
    if (!isB64OfLength(e.nonce, 12) || !isB64OfLength(e.hash, 32) || typeof e.ciphertext !== "string") {
      throw new HandshakeError("malformed", "envelope fields");
    }
    if (typeof e.ts !== "string") throw new HandshakeError("malformed", "envelope ts");
    parseTimestampMs(e.ts);
    const ciphertext = b64decode(e.ciphertext);
    if (ciphertext.length < 16) throw new HandshakeError("malformed", "ciphertext shorter than tag");
    const sig = b64decode(s.sig, 64);
    const impl = getBackend(options.backend);
    const pin = options.pin;
    const vk = asVerifyKey(pin, impl);
    // The signature covers the envelope exactly as received (extra fields included), like HSAgent_2.
    if (!vk.verify(utf8Encode(canonicalJson(e, { ascii: true })), sig)) {
      throw new HandshakeError("bad-signature", "envelope signature");
    }
    const hash = b64decode(e.hash, 32);
    const pt = impl.aesGcmDecrypt(options.key, b64decode(e.nonce, 12), ciphertext, hash);
    if (!bytesEqual(impl.sha256(pt), hash)) throw new HandshakeError("hash-mismatch", "plaintext hash");
    const plaintext = parseJsonObject(utf8Decode(pt));
    return { plaintext, message: plaintext.message, ts: e.ts };
  }, "open sec v1");
}
