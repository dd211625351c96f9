// Python-compatible JSON serialisation: reproduces `json.dumps(value)` with Python's
// defaults (separators ", " and ": ", ensure_ascii=True, float repr), because Summoner
// peers and the relay-framing vector are byte-for-byte what CPython produces.

import { RelayError } from "./errors.js";

/** A JSON value as this package understands it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// Everything outside printable ASCII, plus `"` and `\`, is escaped (Python's ESCAPE_ASCII).
const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f-\uffff]/;
const ESCAPE_ALL = /[\\"\u0000-\u001f\u007f-\uffff]/g;
// What Python escapes and `JSON.stringify` does not: DEL and everything beyond ASCII.
const BEYOND_STRINGIFY = /[\u007f-\uffff]/;

const SHORT_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function escapeChar(ch: string): string {
  const short = SHORT_ESCAPES[ch];
  if (short !== undefined) return short;
  return "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0");
}

/**
 * Encode a string as a JSON string literal exactly like Python's `json.dumps(s)`
 * (ensure_ascii: non-ASCII as lowercase `\uXXXX`, astral characters as surrogate pairs).
 * Fast paths: nothing to escape; or nothing beyond `\x7e` (e.g. a relayed JSON line), where
 * `JSON.stringify` writes the very same escapes (`\"`, `\\`, `\n \r \t \b \f`, other controls
 * as lowercase `\u00xx`) natively.
 */
export function pyJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  if (!BEYOND_STRINGIFY.test(s)) return JSON.stringify(s);
  return '"' + s.replace(ESCAPE_ALL, escapeChar) + '"';
}

/** @internal The general path of {@link pyJsonString}, kept to test the fast paths against. */
export function pyJsonStringSlow(s: string): string {
  return '"' + s.replace(ESCAPE_ALL, escapeChar) + '"';
}

/** Format a number like Python: integral values as `int` digits, others like `float.__repr__`. */
export function pyNumber(n: number): string {
  if (!Number.isFinite(n)) {
    throw new RelayError("INVALID_PAYLOAD", "NaN and Infinity are not valid JSON numbers");
  }
  if (Number.isSafeInteger(n)) return n === 0 ? "0" : String(n);
  if (Number.isInteger(n)) return BigInt(n).toString();
  const abs = Math.abs(n);
  if (abs >= 1e-4) return String(n);
  // Python's repr switches to exponent notation below 1e-4 and pads the exponent to 2 digits.
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const sign = exp.startsWith("-") ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
  return `${mantissa}e${sign}${digits}`;
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Serialise a value exactly like CPython's `json.dumps(value)` with default arguments.
 * Object keys keep insertion order; keys whose value is `undefined` are skipped (as
 * `JSON.stringify` does). Throws {@link RelayError} `INVALID_PAYLOAD` for NaN/Infinity,
 * functions, symbols, non-plain objects and cycles.
 */
export function pyJsonDumps(value: unknown): string {
  return dump(value, new Set());
}

function dump(value: unknown, seen: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return pyJsonString(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pyNumber(value);
    case "bigint":
      return value.toString();
    case "object":
      break;
    default:
      throw new RelayError("INVALID_PAYLOAD", `cannot encode a value of type ${typeof value}`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new RelayError("INVALID_PAYLOAD", "cannot encode a cyclic structure");
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = "[";
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out += ", ";
      // A hole is skipped but keeps its separator (what `map(...).join(", ")` wrote).
      if (i in obj) out += dump(obj[i], seen);
    }
    out += "]";
  } else if (isPlainObject(obj)) {
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec);
    out = "{";
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = rec[k];
      if (v === undefined) continue;
      out += (first ? "" : ", ") + pyJsonString(k) + ": " + dump(v, seen);
      first = false;
    }
    out += "}";
  } else {
    throw new RelayError("INVALID_PAYLOAD", `cannot encode an instance of ${obj.constructor?.name ?? "?"}`);
  }
  seen.delete(obj);
  return out;
}

/**
 * @internal `pyJsonDumps(typeTree(value))` without building the tree, for a `value` that
 * {@link pyJsonDumps} has already accepted (a finite, acyclic tree of plain JSON values).
 */
export function pyJsonDumpsTypes(value: unknown): string {
  if (value === null) return '"null"';
  switch (typeof value) {
    case "string":
      return '"str"';
    case "boolean":
      return '"bool"';
    case "bigint":
      return '"int"';
    case "number":
      return Number.isInteger(value) ? '"int"' : '"float"';
    case "object":
      break;
    default:
      throw new RelayError("INVALID_PAYLOAD", `cannot encode a value of type ${typeof value}`);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ", ";
      if (i in value) out += pyJsonDumpsTypes(value[i]);
    }
    return out + "]";
  }
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec);
  let out = "{";
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = rec[k];
    if (v === undefined) continue;
    out += (first ? "" : ", ") + pyJsonString(k) + ": " + pyJsonDumpsTypes(v);
    first = false;
  }
  return out + "}";
}
