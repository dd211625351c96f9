/**
 * Session key schedules.
 *
 * v2 (PROTOCOL.md §5): transcript `T = "hsagent-v2|I|R|nI|nR|eI_pub|eR_pub|tsI|tsR"`,
 * `TH = SHA-256(T)`, `tsig`/`fin` = Ed25519 over TH,
 * `okm = HKDF-SHA256(ikm = X25519(e_self, e_peer), salt = TH, info = "hsagent-v2 keys", L = 64)`,
 * `k_i2r = okm[0..32)`, `k_r2i = okm[32..64)`, `sid = hex(SHA-256("hsagent-v2 sid" ‖ TH))[0..32)`.
 * Hybrid X25519+ML-KEM-768 sessions append `|x25519+mlkem768|kaI|kaR|kem_pub|kem_ct` to `T` and
 * use `ikm = X25519(e_self, e_peer) ‖ ML-KEM shared secret`.
 *
 * v1 (PROTOCOL.md §6): one key both ways,
 * `HKDF-SHA256(ikm = X25519(priv, peer_kx_pub), salt = none, info = "handshake", L = 32)`.
 */
import { type BackendChoice, getBackend } from "./backend/index.js";
import type { KxKeyPair, SigningKey, VerifyKey } from "./backend/types.js";
import {
  b64decode,
  b64encode,
  concatBytes,
  hexEncode,
  isB64OfLength,
  isNonceHex,
  utf8Encode,
} from "./encoding.js";
import { guard, HandshakeError } from "./errors.js";
import type { HandshakeBlob } from "./handshake.js";
import { asKxKeyPair, asVerifyKey, type KeyInput, peerKeyBytes, scheduleBackend } from "./primitives.js";

/** The eight values the v2 transcript binds, as their wire strings. */
export interface TranscriptParts {
  initiatorId: string;
  responderId: string;
  /** nI: the initiator's `my_nonce`. */
  initiatorNonce: string;
  /** nR: the responder's `my_nonce`. */
  responderNonce: string;
  /** eI_pub: the initiator's ephemeral X25519 public key, base64 as sent. */
  initiatorKxPub: string;
  /** eR_pub: the responder's ephemeral X25519 public key, base64 as sent. */
  responderKxPub: string;
  /** tsI: the initiator's hs timestamp string as sent. */
  initiatorTimestamp: string;
  /** tsR: the responder's hs timestamp string as sent. */
  responderTimestamp: string;
  /** Hybrid X25519+ML-KEM-768 sessions only: the KEM values the transcript must also bind. */
  hybrid?: HybridTranscriptParts;
}

/** What a hybrid session's transcript adds (PROTOCOL.md, hybrid key agreement). */
export interface HybridTranscriptParts {
  /** The key agreements the initiator advertised (its request #1 `ka`), in order. */
  initiatorKa: readonly string[];
  /** The key agreements the responder advertised (its confirm `ka`), in order. */
  responderKa: readonly string[];
  /** The responder's ML-KEM-768 public key, base64 as sent (`kem_pub`). */
  kemPub: string;
  /** The initiator's ML-KEM-768 ciphertext, base64 as sent (`kem_ct`). */
  kemCt: string;
}

/** Name of the hybrid key agreement, as it appears in the transcript and on the wire. */
export const HYBRID_KEY_AGREEMENT = "x25519+mlkem768";

/** Domain label at the start of every v2 transcript. */
export const V2_TRANSCRIPT_LABEL = "hsagent-v2";
/** HKDF info for v2 session keys. */
export const V2_KEYS_INFO = "hsagent-v2 keys";
/** Prefix hashed with TH to make the session id. */
export const V2_SID_LABEL = "hsagent-v2 sid";
/** HKDF info for the v1 (legacy) session key. */
export const V1_KEY_INFO = "handshake";

const V2_KEYS_INFO_BYTES = utf8Encode(V2_KEYS_INFO);
const V2_SID_LABEL_BYTES = utf8Encode(V2_SID_LABEL);
const V1_KEY_INFO_BYTES = utf8Encode(V1_KEY_INFO);

function field(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.includes("|")) {
    throw new HandshakeError("malformed", `transcript ${what}`);
  }
  return value;
}

/**
 * The v2 transcript string `T`.
 * @throws HandshakeError `malformed` if a part is missing, contains `|`, or has the wrong format
 */
export function buildTranscript(parts: TranscriptParts): string {
  return guard(() => {
    if (!isNonceHex(parts.initiatorNonce) || !isNonceHex(parts.responderNonce)) {
      throw new HandshakeError("malformed", "transcript nonce");
    }
    if (!isB64OfLength(parts.initiatorKxPub, 32) || !isB64OfLength(parts.responderKxPub, 32)) {
      throw new HandshakeError("malformed", "transcript kx_pub");
    }
    const base = [
      V2_TRANSCRIPT_LABEL,
      field(parts.initiatorId, "initiatorId"),
      field(parts.responderId, "responderId"),
      parts.initiatorNonce,
      parts.responderNonce,
      parts.initiatorKxPub,
      parts.responderKxPub,
      field(parts.initiatorTimestamp, "initiatorTimestamp"),
      field(parts.responderTimestamp, "responderTimestamp"),
    ];
    return (parts.hybrid === undefined ? base : [...base, ...hybridFields(parts.hybrid)]).join("|");
  }, "transcript");
}

const KA_NAME = /^[a-z0-9+]{1,32}$/;

/** `x25519+mlkem768|kaI|kaR|kem_pub|kem_ct`, each `ka` list comma-joined in advertised order. */
function hybridFields(h: HybridTranscriptParts): string[] {
  const ka = (list: readonly string[], what: string): string => {
    if (!Array.isArray(list) || list.length === 0 || !list.every((k) => KA_NAME.test(k))) {
      throw new HandshakeError("malformed", `transcript ${what}`);
    }
    return list.join(",");
  };
  if (!isB64OfLength(h.kemPub, 1184) || !isB64OfLength(h.kemCt, 1088)) {
    throw new HandshakeError("malformed", "transcript kem");
  }
  return [
    HYBRID_KEY_AGREEMENT,
    ka(h.initiatorKa, "initiatorKa"),
    ka(h.responderKa, "responderKa"),
    h.kemPub,
    h.kemCt,
  ];
}

/** Transcript parts taken from the two `hs` blobs of a session. */
export function transcriptPartsFromBlobs(
  initiatorId: string,
  responderId: string,
  init: Pick<HandshakeBlob, "nonce" | "kx_pub" | "timestamp">,
  response: Pick<HandshakeBlob, "nonce" | "kx_pub" | "timestamp">,
): TranscriptParts {
  return {
    initiatorId,
    responderId,
    initiatorNonce: init.nonce,
    responderNonce: response.nonce,
    initiatorKxPub: init.kx_pub,
    responderKxPub: response.kx_pub,
    initiatorTimestamp: init.timestamp,
    responderTimestamp: response.timestamp,
  };
}

/** `TH = SHA-256(T)`; accepts the parts or the transcript string itself. */
export function transcriptHash(transcript: TranscriptParts | string, backend?: BackendChoice): Uint8Array {
  return guard(() => {
    const t = typeof transcript === "string" ? transcript : buildTranscript(transcript);
    return getBackend(backend).sha256(utf8Encode(t));
  }, "transcript hash");
}

function requireTh(th: unknown): Uint8Array {
  if (!(th instanceof Uint8Array) || th.length !== 32) {
    throw new HandshakeError("malformed", "transcript hash must be 32 bytes");
  }
  return th;
}

/** `sid = hex(SHA-256("hsagent-v2 sid" ‖ TH))[0..32)`. */
export function sessionIdFromTranscriptHash(th: Uint8Array, backend?: BackendChoice): string {
  const digest = getBackend(backend).sha256(concatBytes(V2_SID_LABEL_BYTES, requireTh(th)));
  return hexEncode(digest).slice(0, 32);
}

/** `tsig` (initiator) or `fin` (responder): base64 Ed25519 signature over TH. */
export function signTranscript(signingKey: SigningKey, th: Uint8Array): string {
  return guard(() => b64encode(signingKey.sign(requireTh(th))), "sign transcript");
}

/**
 * Verify a `tsig` or `fin` over TH with the peer's long-term key.
 * @throws HandshakeError `malformed` (shape) or `bad-signature` — nothing else
 */
export function verifyTranscriptSignature(
  key: VerifyKey | KeyInput,
  th: Uint8Array,
  signature: unknown,
  backend?: BackendChoice,
): void {
  guard(() => {
    requireTh(th);
    const sig = b64decode(signature, 64);
    if (!asVerifyKey(key, backend).verify(th, sig))
      throw new HandshakeError("bad-signature", "transcript signature");
  }, "transcript signature");
}

/** Which end of the session we are. */
export type SessionRole = "initiator" | "responder";

/** Options for {@link deriveV2SessionKeys}. */
export interface DeriveV2Options {
  /** Our ephemeral X25519 key pair (or its raw/base64 private key). */
  ephemeral: KxKeyPair | KeyInput;
  /** The peer's ephemeral public key (`kx_pub` from its hs). */
  peerKxPub: KeyInput;
  /** TH. */
  transcriptHash: Uint8Array;
  /** Our role: picks `sendKey`/`recvKey` from k_i2r/k_r2i. */
  role: SessionRole;
  /** Backend for DH/HKDF/SHA-256 (default: the ephemeral key's backend, else native). */
  backend?: BackendChoice;
  /** Hybrid sessions: the 32-byte ML-KEM-768 shared secret; HKDF's ikm becomes X25519 ‖ it. */
  kemSharedSecret?: Uint8Array;
}

/** v2 session keys. Keep in memory only. */
export interface V2SessionKeys {
  /** Initiator → responder key. */
  kI2r: Uint8Array;
  /** Responder → initiator key. */
  kR2i: Uint8Array;
  /** Our sending key (k_i2r for the initiator). */
  sendKey: Uint8Array;
  /** Our receiving key. */
  recvKey: Uint8Array;
  /** Session id: 32 lowercase hex. */
  sid: string;
}

/**
 * v2 key schedule.
 * @throws HandshakeError `malformed` or `weak-key`
 */
export function deriveV2SessionKeys(options: DeriveV2Options): V2SessionKeys {
  return guard(() => {
    const impl = scheduleBackend(options.ephemeral, options.backend);
    const pair = asKxKeyPair(options.ephemeral, impl);
    const th = requireTh(options.transcriptHash);
    if (options.role !== "initiator" && options.role !== "responder") {
      throw new HandshakeError("malformed", "role");
    }
    const dh = pair.deriveSharedSecret(peerKeyBytes(options.peerKxPub));
    const kem = options.kemSharedSecret;
    if (kem !== undefined && !(kem instanceof Uint8Array && kem.length === 32)) {
      throw new HandshakeError("malformed", "ML-KEM shared secret must be 32 bytes");
    }
    const shared = kem === undefined ? dh : concatBytes(dh, kem);
    const okm = impl.hkdfSha256(shared, th, V2_KEYS_INFO_BYTES, 64);
    shared.fill(0);
    dh.fill(0);
    const kI2r = okm.slice(0, 32);
    const kR2i = okm.slice(32, 64);
    okm.fill(0);
    const initiator = options.role === "initiator";
    return {
      kI2r,
      kR2i,
      sendKey: initiator ? kI2r : kR2i,
      recvKey: initiator ? kR2i : kI2r,
      sid: sessionIdFromTranscriptHash(th, impl),
    };
  }, "v2 key schedule");
}

/**
 * v1 (legacy) session key: `HKDF-SHA256(X25519(priv, peer), salt none, info "handshake", 32)`.
 * @throws HandshakeError `malformed` or `weak-key`
 */
export function deriveV1SessionKey(
  own: KxKeyPair | KeyInput,
  peerKxPub: KeyInput,
  backend?: BackendChoice,
): Uint8Array {
  return guard(() => {
    const impl = scheduleBackend(own, backend);
    const pair = asKxKeyPair(own, impl);
    const shared = pair.deriveSharedSecret(peerKeyBytes(peerKxPub));
    const key = impl.hkdfSha256(shared, undefined, V1_KEY_INFO_BYTES, 32);
    shared.fill(0);
    return key;
  }, "v1 key schedule");
}
