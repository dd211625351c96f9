// Base64 and JSON helpers for the wire format: object and association data
// travel as base64 of bytes; the agent stores JSON text in them.

import type { JsonValue } from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Decodes standard or URL-safe base64; returns `null` if `text` is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** UTF-8 bytes of the JSON text of `value`. */
export function jsonToBytes(value: JsonValue): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Parses UTF-8 JSON bytes. Throws a `SyntaxError`/`TypeError` on invalid
 * UTF-8 or JSON (callers wrap it in a typed error).
 */
export function bytesToJson(bytes: Uint8Array): JsonValue {
  return JSON.parse(decoder.decode(bytes)) as JsonValue;
}

/** UTF-8 encoding of a string (chain payloads). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 decoding of bytes (invalid sequences become U+FFFD). */
export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** The bytes of an input that carries raw `data` or a `json` value (empty when neither). */
export function dataOf(input: { readonly data?: Uint8Array; readonly json?: JsonValue }): Uint8Array {
  if (input.json !== undefined) return jsonToBytes(input.json);
  return input.data ?? new Uint8Array(0);
}
