/**
 * Strict field formats of PROTOCOL.md §3: agent ids, nonces, refs, base64 keys and signatures,
 * timestamps. Each check is a total function `(unknown) → boolean` so the message parser can
 * never throw, whatever a peer sends.
 */
import { b64decode, isB64OfLength, parseTimestampMs } from "@hsagent/crypto";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NONCE_RE = /^[0-9a-f]{32}$/;
const REF_RE = /^[A-Za-z0-9_-]{1,32}$/;
const SID_RE = /^[0-9a-f]{32}$/;

/** An agent id: a lowercase UUID string (as Python's `str(uuid.uuid4())` writes it). */
export function isAgentId(v: unknown): v is string {
  return typeof v === "string" && UUID_RE.test(v);
}

/** A handshake/exchange nonce: 32 lowercase hex characters (16 random bytes). */
export function isNonce(v: unknown): v is string {
  return typeof v === "string" && NONCE_RE.test(v);
}

/** A finalization ref: 1–32 characters of `[A-Za-z0-9_-]`. */
export function isRef(v: unknown): v is string {
  return typeof v === "string" && REF_RE.test(v);
}

/** A v2 session id: 32 lowercase hex characters. */
export function isSid(v: unknown): v is string {
  return typeof v === "string" && SID_RE.test(v);
}

/** Standard padded base64 of exactly 32 bytes (an Ed25519 or X25519 public key). */
export function isKeyB64(v: unknown): v is string {
  return isB64OfLength(v, 32);
}

/** Standard padded base64 of exactly 64 bytes (an Ed25519 signature). */
export function isSigB64(v: unknown): v is string {
  return isB64OfLength(v, 64);
}

/** True when `parse` accepts `v` (a string), false when it throws or `v` is not a string. */
function parses(v: unknown, parse: (text: string) => unknown): v is string {
  if (typeof v !== "string") return false;
  try {
    parse(v);
    return true;
  } catch {
    return false;
  }
}

/** Canonical standard padded base64 (any length) of at most `maxChars` characters. */
export function isB64(v: unknown, maxChars = 1 << 20): v is string {
  return typeof v === "string" && v.length <= maxChars && parses(v, b64decode);
}

/** An ISO-8601 timestamp that @hsagent/crypto can parse (no offset = UTC). */
export function isTimestamp(v: unknown): v is string {
  return parses(v, parseTimestampMs);
}

/** A positive safe integer (`sec.seq`). */
export function isSeq(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 1;
}

/** A plain (non-array, non-null) object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
