/**
 * Canonical JSON: object keys sorted, no whitespace — the byte string that gets signed, hashed or
 * used as AAD, so both ends must produce exactly the same bytes.
 *
 * - `ascii: true` is byte-identical to Python `json.dumps(obj, separators=(",", ":"), sort_keys=True)`
 *   (ensure_ascii): every character outside U+0020..U+007E is escaped, `\n \r \t \b \f \" \\` use
 *   their short forms, everything else becomes `\uXXXX` with lowercase hex; astral characters
 *   become a surrogate pair of escapes. Python also escapes U+007F (DEL); so do we.
 * - `ascii: false` (default) is `JSON.stringify` with sorted keys: only `"`, `\` and control
 *   characters are escaped (lone surrogates as `\udxxx`).
 *
 * Key order is by Unicode code point, which is what Python's `sorted()` on `str` does. It equals
 * JavaScript's default UTF-16 code unit order for every key made of BMP characters; the two differ
 * only for keys that mix astral characters with U+E000..U+FFFF, where we follow Python.
 *
 * Numbers: only safe integers (|n| ≤ 2^53−1) and bigints are accepted, written as plain decimal
 * digits (`-0` is written `0`). Floats are rejected, because Python and JavaScript print them
 * differently (`1.0` vs `1`, `1e+16` vs `1e16`); NaN/±Infinity are rejected too. Allowed values:
 * null, booleans, strings, those numbers, arrays, and plain objects. Object properties whose value
 * is `undefined` are omitted (as `JSON.stringify` does); anything else (functions, symbols,
 * `undefined` in arrays, class instances, cycles) throws `HandshakeError("malformed")`.
 */
import { HandshakeError, requireObject } from "./errors.js";

/** A JSON value that canonical JSON can encode. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Options for {@link canonicalJson}. */
export interface CanonicalJsonOptions {
  /** Escape all non-ASCII like Python's `ensure_ascii=True` (default false). */
  ascii?: boolean;
}

const MAX_DEPTH = 512;

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after 0xE000-0xFFFF.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? (cb >= 0xe000 ? 1 : ca - cb) : ca >= 0xe000 ? -1 : ca - cb;
    return ca - cb;
  }
  return a.length - b.length;
}

const SHORT: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

const ASCII_ESCAPE_RE = /[\\"]|[^ -~]/g;

function asciiString(s: string): string {
  return (
    '"' +
    s.replace(ASCII_ESCAPE_RE, (ch) => SHORT[ch] ?? "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0")) +
    '"'
  );
}

function encode(value: unknown, ascii: boolean, depth: number, out: string[]): void {
  if (depth > MAX_DEPTH) throw new HandshakeError("malformed", "JSON nesting too deep");
  if (value === null) {
    out.push("null");
    return;
  }
  switch (typeof value) {
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "string":
      out.push(ascii ? asciiString(value) : JSON.stringify(value));
      return;
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new HandshakeError("malformed", "canonical JSON accepts only safe integers");
      }
      out.push(value === 0 ? "0" : String(value));
      return;
    case "bigint":
      out.push(value.toString());
      return;
    case "object":
      break;
    default:
      throw new HandshakeError("malformed", `canonical JSON cannot encode ${typeof value}`);
  }
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      encode(value[i], ascii, depth + 1, out);
    }
    out.push("]");
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new HandshakeError("malformed", "canonical JSON accepts only plain objects");
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort(compareCodePoints);
  out.push("{");
  let first = true;
  for (const k of keys) {
    if (!first) out.push(",");
    first = false;
    out.push(ascii ? asciiString(k) : JSON.stringify(k), ":");
    encode(obj[k], ascii, depth + 1, out);
  }
  out.push("}");
}

/**
 * Serialize `value` as canonical JSON (sorted keys, no whitespace). See the module header for the
 * exact rules.
 * @throws HandshakeError `malformed` for values outside the supported set
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const out: string[] = [];
  encode(value, options.ascii === true, 0, out);
  return out.join("");
}

/**
 * Parse JSON text that must be an object.
 * @throws HandshakeError `malformed`
 */
export function parseJsonObject(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HandshakeError("malformed", "invalid JSON");
  }
  requireObject(parsed, "JSON is not an object");
  return parsed as JsonObject;
}
