/**
 * Strict field formats of PROTOCOL.md §3: agent ids, nonces, refs, base64 keys and signatures,
 * timestamps. Each check is a total function `(unknown) → boolean` so the message parser can
 * never throw, whatever a peer sends.
 */
import { parseTimestampMs } from "@hsagent/crypto";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NONCE_RE = /^[0-9a-f]{32}$/;
const REF_RE = /^[A-Za-z0-9_-]{1,32}$/;
const SID_RE = /^[0-9a-f]{32}$/;
const B64_32_RE = /^[A-Za-z0-9+/]{43}=$/;
const B64_64_RE = /^[A-Za-z0-9+/]{86}==$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

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

/** True when `v` re-encodes to itself (rejects non-canonical trailing bits). */
function roundTrips(v: string): boolean {
  return Buffer.from(v, "base64").toString("base64") === v;
}

/** Standard padded base64 of exactly 32 bytes (an Ed25519 or X25519 public key). */
export function isKeyB64(v: unknown): v is string {
  return typeof v === "string" && B64_32_RE.test(v) && roundTrips(v);
}

/** Standard padded base64 of exactly 64 bytes (an Ed25519 signature). */
export function isSigB64(v: unknown): v is string {
  return typeof v === "string" && B64_64_RE.test(v) && roundTrips(v);
}

/** Any standard padded base64 string of at most `maxChars` characters. */
export function isB64(v: unknown, maxChars = 1 << 20): v is string {
  return typeof v === "string" && v.length <= maxChars && B64_RE.test(v) && roundTrips(v);
}

/** An ISO-8601 timestamp that @hsagent/crypto can parse (no offset = UTC). */
export function isTimestamp(v: unknown): v is string {
  if (typeof v !== "string") return false;
  try {
    parseTimestampMs(v);
    return true;
  } catch {
    return false;
  }
}

/** A positive safe integer (`sec.seq`). */
export function isSeq(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 1;
}

/** A plain (non-array, non-null) object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
