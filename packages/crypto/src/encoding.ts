/**
 * Byte encodings used on the wire: standard base64 with padding (as Python's `base64.b64encode`),
 * lowercase hex and UTF-8. Decoders are strict (canonical form only) and throw
 * `HandshakeError("malformed")`, because their inputs come from peers.
 */
import { HandshakeError } from "./errors.js";

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Standard base64 with padding. */
export function b64encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Strict standard base64 decode: padding required, no whitespace, canonical trailing bits.
 * @param expectedLength - if given, the decoded length must equal it
 * @throws HandshakeError `malformed`
 */
export function b64decode(text: unknown, expectedLength?: number): Uint8Array {
  if (typeof text !== "string") throw new HandshakeError("malformed", "not standard base64");
  // A wrong length is refused before decoding anything (padding still decides between two sizes).
  if (expectedLength !== undefined && text.length !== b64Length(expectedLength)) {
    throw new HandshakeError("malformed", `expected ${expectedLength} bytes`);
  }
  const buf = canonicalB64(text);
  if (buf === null) throw new HandshakeError("malformed", "not canonical standard base64");
  if (expectedLength !== undefined && buf.length !== expectedLength) {
    throw new HandshakeError("malformed", `expected ${expectedLength} bytes`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Length of the padded base64 of `bytes` bytes. */
function b64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * The bytes of `text` if it is canonical standard base64, else null. Node's decoder skips what it
 * does not understand, but its encoder only writes canonical padded base64: so `text` is canonical
 * exactly when it encodes back to itself (other alphabets, whitespace, missing or misplaced
 * padding and non-zero trailing bits all fail). One linear pass each way, no regex.
 */
function canonicalB64(text: string): Buffer | null {
  if (text.length % 4 !== 0) return null;
  const buf = Buffer.from(text, "base64");
  return buf.toString("base64") === text ? buf : null;
}

/** True if `text` is canonical standard base64 of exactly `length` bytes. */
export function isB64OfLength(text: unknown, length: number): text is string {
  if (typeof text !== "string" || text.length !== b64Length(length)) return false;
  return canonicalB64(text)?.length === length;
}

/** Lowercase hex. */
export function hexEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Strict lowercase hex decode.
 * @throws HandshakeError `malformed`
 */
export function hexDecode(text: unknown, expectedLength?: number): Uint8Array {
  if (typeof text !== "string" || !HEX_RE.test(text))
    throw new HandshakeError("malformed", "not lowercase hex");
  const buf = Buffer.from(text, "hex");
  if (expectedLength !== undefined && buf.length !== expectedLength) {
    throw new HandshakeError("malformed", `expected ${expectedLength} bytes`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const NONCE_RE = /^[0-9a-f]{32}$/;

/** True if `text` is a protocol nonce: 32 lowercase hex characters (16 bytes). */
export function isNonceHex(text: unknown): text is string {
  return typeof text === "string" && NONCE_RE.test(text);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 encode. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Strict UTF-8 decode.
 * @throws HandshakeError `malformed` on invalid UTF-8
 */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new HandshakeError("malformed", "invalid UTF-8");
  }
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time-ish equality for byte arrays of public data (length leak is fine). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
