/**
 * The v2 `sec` envelope (PROTOCOL.md §5): `{"v":2,"sid","seq","ct"}`, AES-256-GCM with the
 * direction's key, IV = 4 zero bytes ‖ seq (8-byte big-endian), AAD = canonical JSON of
 * `{sid, seq, from, to, intent}` plus whichever of `my_nonce, your_nonce, my_ref, your_ref` the
 * outer message has, plaintext = canonical JSON object.
 *
 * Canonical JSON here is the ASCII form (Python `json.dumps(..., sort_keys=True,
 * separators=(",", ":"))`), so a Python peer computes the same AAD and plaintext bytes.
 * Open checks: shape (`malformed`) → sid (`sid-mismatch`) → seq > lastSeq (`replay`) →
 * AES-GCM (`decrypt-failed`) → plaintext is a JSON object (`malformed`).
 */
import type { BackendChoice } from "./backend/index.js";
import { getBackend } from "./backend/index.js";
import { asciiJsonString, canonicalJson, type JsonObject, parseJsonObject } from "./canonical.js";
import { b64decode, b64encode, utf8Decode, utf8Encode } from "./encoding.js";
import { guard, HandshakeError, requireObject } from "./errors.js";

/** The outer message fields bound into the AAD. Extra fields (e.g. a whole message) are ignored. */
export interface SecHeader {
  from: string;
  to: string | null;
  intent: string;
  my_nonce?: string;
  your_nonce?: string;
  my_ref?: string;
  your_ref?: string;
}

/** The v2 `sec` object on the wire. */
export interface SecV2 {
  v: 2;
  /** Session id, 32 lowercase hex. */
  sid: string;
  /** Per-direction sequence number, starts at 1. */
  seq: number;
  /** base64 of ciphertext ‖ tag. */
  ct: string;
}

const SID_RE = /^[0-9a-f]{32}$/;
const OPTIONAL_AAD_FIELDS = ["my_nonce", "your_nonce", "my_ref", "your_ref"] as const;

function requireSeq(seq: unknown): number {
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
    throw new HandshakeError("malformed", "seq must be a positive integer");
  }
  return seq;
}

function requireSid(sid: unknown): string {
  if (typeof sid !== "string" || !SID_RE.test(sid)) throw new HandshakeError("malformed", "sid");
  return sid;
}

/** An optional AAD field of the header: absent, or a string (its JSON literal follows `"key":`). */
function optionalAadField(h: Record<string, unknown>, key: (typeof OPTIONAL_AAD_FIELDS)[number]): string {
  const v = h[key];
  if (v === undefined) return "";
  if (typeof v !== "string") throw new HandshakeError("malformed", `header ${key}`);
  return `,"${key}":${asciiJsonString(v)}`;
}

/**
 * The AAD string for a v2 `sec`.
 *
 * Written directly in canonical key order (`from, intent, my_nonce, my_ref, seq, sid, to,
 * your_nonce, your_ref`): the same bytes as `canonicalJson(aad, { ascii: true })` of the AAD
 * object, without building and sorting it.
 * @throws HandshakeError `malformed` if a header field has the wrong type
 */
export function secV2Aad(header: SecHeader, sid: string, seq: number): string {
  if (header === null || typeof header !== "object") throw new HandshakeError("malformed", "header");
  const h = header as unknown as Record<string, unknown>;
  const { from, to, intent } = h;
  if (typeof from !== "string" || typeof intent !== "string" || (to !== null && typeof to !== "string")) {
    throw new HandshakeError("malformed", "header from/to/intent");
  }
  const sidText = asciiJsonString(requireSid(sid));
  const seqText = String(requireSeq(seq));
  // Checked in this order (my_nonce, your_nonce, my_ref, your_ref), written in key order.
  const myNonce = optionalAadField(h, "my_nonce");
  const yourNonce = optionalAadField(h, "your_nonce");
  const myRef = optionalAadField(h, "my_ref");
  const yourRef = optionalAadField(h, "your_ref");
  return (
    `{"from":${asciiJsonString(from)},"intent":${asciiJsonString(intent)}${myNonce}${myRef}` +
    `,"seq":${seqText},"sid":${sidText},"to":${to === null ? "null" : asciiJsonString(to)}` +
    `${yourNonce}${yourRef}}`
  );
}

/** The 12-byte IV: 4 zero bytes ‖ seq as 8-byte big-endian. */
export function secV2Iv(seq: number): Uint8Array {
  const n = requireSeq(seq);
  const iv = new Uint8Array(12);
  // A safe integer is below 2^53: both 32-bit halves are exact (a DataView costs more than this).
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n >>> 0;
  iv[4] = hi >>> 24;
  iv[5] = (hi >>> 16) & 0xff;
  iv[6] = (hi >>> 8) & 0xff;
  iv[7] = hi & 0xff;
  iv[8] = lo >>> 24;
  iv[9] = (lo >>> 16) & 0xff;
  iv[10] = (lo >>> 8) & 0xff;
  iv[11] = lo & 0xff;
  return iv;
}

function requireKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new HandshakeError("malformed", "key must be 32 bytes");
  return key;
}

/** Options for {@link sealSecV2}. */
export interface SealSecV2Options {
  /** Our sending key (k_i2r for the initiator, k_r2i for the responder). */
  key: Uint8Array;
  sid: string;
  /** Our next sequence number (≥ 1, strictly increasing per direction). */
  seq: number;
  /** The outer message (from/to/intent and whichever nonce/ref fields it carries). */
  header: SecHeader;
  /** The plaintext object (`{message: ...}` or `{}`). */
  plaintext: JsonObject;
  backend?: BackendChoice;
}

/**
 * Seal a v2 `sec`.
 * @throws HandshakeError `malformed` for bad inputs
 */
export function sealSecV2(options: SealSecV2Options): SecV2 {
  return guard(() => {
    const { sid, seq } = options;
    const aad = secV2Aad(options.header, sid, seq);
    const pt = options.plaintext;
    requireObject(pt, "plaintext must be an object");
    const ct = getBackend(options.backend).aesGcmEncrypt(
      requireKey(options.key),
      secV2Iv(seq),
      utf8Encode(canonicalJson(pt, { ascii: true })),
      utf8Encode(aad),
    );
    return { v: 2, sid, seq, ct: b64encode(ct) };
  }, "seal sec v2");
}

/** Options for {@link openSecV2}. */
export interface OpenSecV2Options {
  /** Our receiving key. */
  key: Uint8Array;
  /** This session's id. */
  sid: string;
  /** The outer message the `sec` arrived in. */
  header: SecHeader;
  /** Highest seq accepted so far from this peer; `seq <= lastSeq` is rejected as `replay`. */
  lastSeq?: number;
  backend?: BackendChoice;
}

/** Result of {@link openSecV2}. */
export interface OpenedSecV2 {
  plaintext: JsonObject;
  seq: number;
}

/**
 * Open a v2 `sec`.
 * @throws HandshakeError — and nothing else — for any input
 */
export function openSecV2(sec: unknown, options: OpenSecV2Options): OpenedSecV2 {
  return guard(() => {
    const s = requireObject(sec, "sec is not an object");
    if (s.v !== 2) throw new HandshakeError("malformed", "sec version");
    const sid = requireSid(s.sid);
    const seq = requireSeq(s.seq);
    if (typeof s.ct !== "string") throw new HandshakeError("malformed", "sec ct");
    const ct = b64decode(s.ct);
    if (ct.length < 16) throw new HandshakeError("malformed", "sec ct shorter than tag");
    const aad = secV2Aad(options.header, sid, seq);
    if (sid !== options.sid) throw new HandshakeError("sid-mismatch", "sec sid");
    const last = options.lastSeq;
    if (last !== undefined) {
      // A NaN or string lastSeq would silently disable the replay check; refuse it instead.
      if (typeof last !== "number" || !Number.isSafeInteger(last) || last < 0) {
        throw new HandshakeError("malformed", "lastSeq must be a non-negative integer");
      }
      if (seq <= last) throw new HandshakeError("replay", "sec seq");
    }
    const pt = getBackend(options.backend).aesGcmDecrypt(
      requireKey(options.key),
      secV2Iv(seq),
      ct,
      utf8Encode(aad),
    );
    return { plaintext: parseJsonObject(utf8Decode(pt)), seq };
  }, "open sec v2");
}
