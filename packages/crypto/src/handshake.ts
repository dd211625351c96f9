/**
 * The `hs` handshake blob (PROTOCOL.md §5, §6): build and verify, v1 and v2.
 *
 * `sig = Ed25519(nonce + "|" + kx_pub + "|" + timestamp)` over the UTF-8 of the three wire
 * strings, exactly as HSAgent_2 signs it, so a legacy verifier accepts our v2 blobs too.
 *
 * Verification runs checks in a fixed order and stops at the first failure:
 * shape/formats (`malformed`) → type (`type-mismatch`) → nonce (`nonce-mismatch`) → pinned key
 * (`pin-mismatch`) → `sig` (`bad-signature`) → `tsig` if a transcript is supplied
 * (`bad-signature`) → freshness (`stale` / `future`). It never throws anything but HandshakeError.
 */
import type { BackendChoice } from "./backend/index.js";
import type { KxKeyPair, SigningKey, VerifyKey } from "./backend/types.js";
import { b64decode, b64encode, isB64OfLength, isNonceHex, utf8Encode } from "./encoding.js";
import { guard, HandshakeError, requireObject } from "./errors.js";
import { type KeyInput, verifyKeyFromPublic } from "./primitives.js";
import { checkFreshness, type FreshnessOptions, formatTimestamp, parseTimestampMs } from "./timestamp.js";

/** `response` is sent by the responder (in `confirm`), `init` by the initiator (in `request` #1). */
export type HandshakeType = "response" | "init";

/** Protocol version of a handshake blob: 2 if it carries `"v": 2`, else 1 (legacy). */
export type HandshakeVersion = 1 | 2;

/** The `hs` blob as it appears on the wire. */
export interface HandshakeBlob {
  /** Present (and 2) only for protocol v2. */
  v?: 2;
  type: HandshakeType;
  /** Sender's `my_nonce`: 32 lowercase hex. */
  nonce: string;
  /** Sender's X25519 public key (ephemeral in v2), base64 of 32 bytes. */
  kx_pub: string;
  /** Sender's long-term Ed25519 public key, base64 of 32 bytes. */
  sign_pub: string;
  /** ISO-8601 timestamp as sent. */
  timestamp: string;
  /** base64 Ed25519 signature over `nonce|kx_pub|timestamp`. */
  sig: string;
  /** v2 initiator only: base64 Ed25519 signature over the transcript hash. */
  tsig?: string;
}

/** The exact bytes `sig` covers: UTF-8 of `nonce|kx_pub|timestamp`. */
export function handshakeSignedBytes(nonce: string, kxPubB64: string, timestamp: string): Uint8Array {
  return utf8Encode(`${nonce}|${kxPubB64}|${timestamp}`);
}

function kxPubB64(kx: KxKeyPair | KeyInput): string {
  if (typeof kx === "string") return b64encode(b64decode(kx, 32));
  if (kx instanceof Uint8Array) return b64encode(b64decode(b64encode(kx), 32));
  return kx.publicKeyB64;
}

/**
 * A blob with `v` first when v2, then the fixed fields in wire order. Two literals rather than
 * `{ ...(v2 ? { v: 2 } : {}), type, ... }`: V8 (Node 20) adds each property after an object
 * spread through a slow path (~1 µs each).
 */
function blobOf(
  v2: boolean,
  type: HandshakeType,
  nonce: string,
  kx_pub: string,
  sign_pub: string,
  timestamp: string,
  sig: string,
): HandshakeBlob {
  return v2
    ? { v: 2, type, nonce, kx_pub, sign_pub, timestamp, sig }
    : { type, nonce, kx_pub, sign_pub, timestamp, sig };
}

/** Options for {@link buildHandshake}. */
export interface BuildHandshakeOptions {
  /** 2 (default) adds `"v":2`; 1 builds a legacy HSAgent_2 blob. */
  version?: HandshakeVersion;
  type: HandshakeType;
  /** Our `my_nonce` (32 lowercase hex). */
  nonce: string;
  /** Our X25519 public key: a key pair, raw bytes or base64. */
  kxPub: KxKeyPair | KeyInput;
  /** Our long-term Ed25519 key. */
  signingKey: SigningKey;
  /** Timestamp to put in the blob; default `formatTimestamp(now)`. */
  timestamp?: string;
  /** Clock for the default timestamp. */
  now?: Date | number;
  /** v2 `init` only: the transcript signature (see `signTranscript`). */
  tsig?: string;
}

/**
 * Build and sign an `hs` blob.
 * @throws HandshakeError `malformed` if an input has the wrong format
 */
export function buildHandshake(options: BuildHandshakeOptions): HandshakeBlob {
  return guard(() => buildHandshakeUnguarded(options), "build hs");
}

function buildHandshakeUnguarded(options: BuildHandshakeOptions): HandshakeBlob {
  const version = options.version ?? 2;
  if (version !== 1 && version !== 2) throw new HandshakeError("malformed", "version must be 1 or 2");
  if (options.type !== "response" && options.type !== "init") throw new HandshakeError("malformed", "type");
  if (!isNonceHex(options.nonce)) throw new HandshakeError("malformed", "nonce must be 32 lowercase hex");
  const kxPub = kxPubB64(options.kxPub);
  const now = options.now === undefined ? new Date() : new Date(options.now);
  const timestamp = options.timestamp ?? formatTimestamp(now);
  parseTimestampMs(timestamp);
  if (
    options.tsig !== undefined &&
    (version !== 2 || options.type !== "init" || !isB64OfLength(options.tsig, 64))
  ) {
    throw new HandshakeError("malformed", "tsig only on v2 init, base64 of 64 bytes");
  }
  const sig = b64encode(options.signingKey.sign(handshakeSignedBytes(options.nonce, kxPub, timestamp)));
  const blob = blobOf(
    version === 2,
    options.type,
    options.nonce,
    kxPub,
    options.signingKey.publicKeyB64,
    timestamp,
    sig,
  );
  if (options.tsig !== undefined) blob.tsig = options.tsig;
  return blob;
}

/** Options for {@link verifyHandshake}. */
export interface VerifyHandshakeOptions extends FreshnessOptions {
  /** The type we expect (`response` in `confirm`, `init` in `request` #1). */
  expectedType: HandshakeType;
  /** The nonce the blob must carry: the outer message's `my_nonce`. */
  expectedNonce: string;
  /**
   * The peer's pinned long-term key (`signPubB64` of its AgentIdentity, or a VerifyKey of it).
   * When given, `sign_pub` must equal it (`pin-mismatch`), and it is the key `sig` is checked with.
   */
  pin?: VerifyKey | string;
  /**
   * v2 responder: computes the transcript hash from the (shape-checked) blob; `tsig` must then be
   * present and verify over it. Ignored for v1 blobs (check `version` for downgrades).
   */
  transcriptHashFor?: (blob: HandshakeBlob) => Uint8Array;
  /** Backend for verification (default native). */
  backend?: BackendChoice;
}

/** What {@link verifyHandshake} returns for an accepted blob. */
export interface VerifiedHandshake {
  /** 2 if the blob had `"v":2`, else 1. The protocol layer applies the downgrade rule. */
  version: HandshakeVersion;
  /** A clean copy of the blob with only the known fields. */
  blob: HandshakeBlob;
  /** The sender's long-term verify key (for `fin`/`tsig` and v1 envelopes). */
  signKey: VerifyKey;
  /** The sender's X25519 public key, raw. */
  kxPub: Uint8Array;
  /** The blob's timestamp in epoch ms. */
  timestampMs: number;
}

function checkShape(input: unknown): HandshakeBlob {
  const o = requireObject(input, "hs is not an object");
  if ("v" in o && o.v !== 2) throw new HandshakeError("malformed", "unsupported hs version");
  if (o.type !== "response" && o.type !== "init") throw new HandshakeError("malformed", "hs type");
  if (!isNonceHex(o.nonce)) throw new HandshakeError("malformed", "hs nonce");
  if (!isB64OfLength(o.kx_pub, 32)) throw new HandshakeError("malformed", "hs kx_pub");
  if (!isB64OfLength(o.sign_pub, 32)) throw new HandshakeError("malformed", "hs sign_pub");
  if (!isB64OfLength(o.sig, 64)) throw new HandshakeError("malformed", "hs sig");
  if (typeof o.timestamp !== "string") throw new HandshakeError("malformed", "hs timestamp");
  parseTimestampMs(o.timestamp);
  const blob = blobOf(o.v === 2, o.type, o.nonce, o.kx_pub, o.sign_pub, o.timestamp, o.sig);
  if ("tsig" in o && o.tsig !== undefined) {
    if (o.v !== 2 || o.type !== "init" || !isB64OfLength(o.tsig, 64)) {
      throw new HandshakeError("malformed", "hs tsig");
    }
    blob.tsig = o.tsig;
  } else if (o.v === 2 && o.type === "init") {
    throw new HandshakeError("malformed", "v2 init hs lacks tsig");
  }
  return blob;
}

/**
 * Verify a peer's `hs` blob (see module header for the check order).
 * @throws HandshakeError — and nothing else — for any input
 */
export function verifyHandshake(input: unknown, options: VerifyHandshakeOptions): VerifiedHandshake {
  return guard(() => {
    const blob = checkShape(input);
    if (blob.type !== options.expectedType) throw new HandshakeError("type-mismatch", "unexpected hs type");
    if (blob.nonce !== options.expectedNonce) throw new HandshakeError("nonce-mismatch", "hs nonce");
    const pin = options.pin;
    let signKey: VerifyKey;
    if (pin === undefined) {
      signKey = verifyKeyFromPublic(blob.sign_pub, options.backend);
    } else if (typeof pin === "string") {
      if (pin !== blob.sign_pub) throw new HandshakeError("pin-mismatch", "sign_pub differs from pinned key");
      signKey = verifyKeyFromPublic(blob.sign_pub, options.backend);
    } else {
      if (pin.publicKeyB64 !== blob.sign_pub) {
        throw new HandshakeError("pin-mismatch", "sign_pub differs from pinned key");
      }
      signKey = pin;
    }
    const sig = b64decode(blob.sig, 64);
    if (!signKey.verify(handshakeSignedBytes(blob.nonce, blob.kx_pub, blob.timestamp), sig)) {
      throw new HandshakeError("bad-signature", "hs sig");
    }
    const version: HandshakeVersion = blob.v === 2 ? 2 : 1;
    if (version === 2 && options.transcriptHashFor !== undefined) {
      if (blob.tsig === undefined) throw new HandshakeError("malformed", "hs lacks tsig");
      const th = options.transcriptHashFor(blob);
      if (!signKey.verify(th, b64decode(blob.tsig, 64))) throw new HandshakeError("bad-signature", "hs tsig");
    }
    const timestampMs = checkFreshness(blob.timestamp, options);
    return { version, blob, signKey, kxPub: b64decode(blob.kx_pub, 32), timestampMs };
  }, "invalid hs");
}
