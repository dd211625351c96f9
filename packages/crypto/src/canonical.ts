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
/** Same character class as {@link ASCII_ESCAPE_RE}, for a non-global test (no lastIndex state). */
const ASCII_NEEDS_ESCAPE_RE = /[\\"]|[^ -~]/;
/** Any UTF-16 surrogate: only keys with one can sort differently by code point than by code unit. */
const SURROGATE_RE = /[\ud800-\udfff]/;

/** What `JSON.stringify` escapes in a string: `"`, `\\`, controls, and (lone) surrogates. */
const JSON_NEEDS_ESCAPE_RE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)`, skipping its copy when there is nothing to escape. */
function jsonString(s: string): string {
  return JSON_NEEDS_ESCAPE_RE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

function escapeAsciiChar(ch: string): string {
  return SHORT[ch] ?? "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0");
}

/**
 * @internal `s` as an ASCII canonical JSON string literal (Python `ensure_ascii`), quotes included.
 * Strings with nothing to escape — nearly all on the wire — skip the replace.
 */
export function asciiJsonString(s: string): string {
  if (!ASCII_NEEDS_ESCAPE_RE.test(s)) return '"' + s + '"';
  return '"' + s.replace(ASCII_ESCAPE_RE, escapeAsciiChar) + '"';
}

/** The keys of `obj` whose value is not `undefined`, in code point order. */
function sortedKeys(obj: Record<string, unknown>): string[] {
  const all = Object.keys(obj);
  let keys = all;
  for (let i = 0; i < all.length; i++) {
    if (obj[all[i]!] === undefined) {
      keys = all.filter((k) => obj[k] !== undefined);
      break;
    }
  }
  // Code unit order (`<` on strings, the default sort) equals code point order unless a key has
  // a surrogate.
  for (let i = 0; i < keys.length; i++) {
    if (SURROGATE_RE.test(keys[i]!)) return keys.sort(compareCodePoints);
  }
  if (keys.length > 16) return keys.sort();
  // Insertion sort: for the few keys of a wire object, ~2.5x cheaper than Array.prototype.sort.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

function encode(value: unknown, ascii: boolean, depth: number): string {
  if (depth > MAX_DEPTH) throw new HandshakeError("malformed", "JSON nesting too deep");
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return ascii ? asciiJsonString(value) : jsonString(value);
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new HandshakeError("malformed", "canonical JSON accepts only safe integers");
      }
      return value === 0 ? "0" : String(value);
    case "bigint":
      return value.toString();
    case "object":
      break;
    default:
      throw new HandshakeError("malformed", `canonical JSON cannot encode ${typeof value}`);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += encode(value[i], ascii, depth + 1);
    }
    return out + "]";
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new HandshakeError("malformed", "canonical JSON accepts only plain objects");
  }
  const obj = value as Record<string, unknown>;
  const keys = sortedKeys(obj);
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) out += ",";
    out += (ascii ? asciiJsonString(k) : jsonString(k)) + ":" + encode(obj[k], ascii, depth + 1);
  }
  return out + "}";
}

/**
 * Serialize `value` as canonical JSON (sorted keys, no whitespace). See the module header for the
 * exact rules.
 * @throws HandshakeError `malformed` for values outside the supported set
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  return encode(value, options.ascii === true, 0);
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
